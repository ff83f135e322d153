import { Injectable } from '@nestjs/common';
import { Db } from '../../../../libs/db/src/db';
import { RedisHandles } from './redis.provider';

export interface Readiness {
  status: 'ok' | 'unavailable';
  checks: Record<'postgres' | 'redis', { status: 'up' | 'down'; error?: string }>;
  message?: string;
}

const withTimeout = <T>(p: Promise<T>, ms: number, what: string): Promise<T> =>
  Promise.race([p, new Promise<T>((_, rej) => setTimeout(() => rej(new Error(`${what} did not answer within ${ms} ms`)), ms).unref())]);

@Injectable()
export class HealthService {
  constructor(
    private readonly db: Db,
    private readonly redis: RedisHandles,
  ) {}

  async readiness(): Promise<Readiness> {
    const check = async (fn: () => Promise<void>, what: string) => {
      try {
        await withTimeout(fn(), 2000, what);
        return { status: 'up' as const };
      } catch (e) {
        return { status: 'down' as const, error: (e as Error).message || String(e) };
      }
    };
    const [postgres, redis] = await Promise.all([check(() => this.db.ping(), 'PostgreSQL'), check(() => this.redis.ping(), 'Redis')]);
    const down = Object.entries({ postgres, redis }).filter(([, c]) => c.status === 'down').map(([k]) => k);
    return down.length === 0
      ? { status: 'ok', checks: { postgres, redis } }
      : { status: 'unavailable', checks: { postgres, redis }, message: `${down.join(' and ')} ${down.length > 1 ? 'are' : 'is'} down` };
  }
}
