import { Global, Inject, Injectable, Module, OnApplicationShutdown } from '@nestjs/common';
import { getEnv } from '../../config/src';
import { Db } from './db';

@Injectable()
class DbLifecycle implements OnApplicationShutdown {
  constructor(@Inject(Db) private readonly db: Db) {}
  async onApplicationShutdown(): Promise<void> {
    await this.db.close();
  }
}

/** Provides the process-wide {@link Db} (Prisma client + pg pool) from `DATABASE_URL`. */
@Global()
@Module({
  providers: [{ provide: Db, useFactory: () => new Db(getEnv().DATABASE_URL, { max: 20 }) }, DbLifecycle],
  exports: [Db],
})
export class DbModule {}
