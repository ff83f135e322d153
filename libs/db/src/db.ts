import { PrismaPg } from '@prisma/adapter-pg';
import { Pool } from 'pg';
import { PrismaClient } from './generated/prisma/client';

export { PrismaClient };
export type { Prisma } from './generated/prisma/client';

/**
 * The database handle every repository takes: the typed Prisma client for most queries, and the raw
 * `pg` pool for the hot paths where Prisma's JSON handling is the bottleneck (STACK-NOTES.md §3).
 * Both share one connection string; the pool is sized by `max`.
 */
export class Db {
  readonly prisma: PrismaClient;
  readonly pool: Pool;

  constructor(
    readonly url: string,
    opts: { max?: number; applicationName?: string } = {},
  ) {
    this.pool = new Pool({ connectionString: url, max: opts.max ?? 10, application_name: opts.applicationName ?? 'virtcap' });
    // Idle clients can error when the server restarts; the pool drops them and the next query reconnects.
    this.pool.on('error', () => undefined);
    this.prisma = new PrismaClient({ adapter: new PrismaPg(this.pool) });
  }

  /** Answers when PostgreSQL does; throws with the driver's message otherwise. */
  async ping(): Promise<void> {
    await this.pool.query('SELECT 1');
  }

  async close(): Promise<void> {
    await this.prisma.$disconnect();
    await this.pool.end();
  }
}
