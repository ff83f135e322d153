import { Inject, Injectable, Module, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { getEnv } from '../../../libs/config/src';
import { Db } from '../../../libs/db/src/db';
import { DbModule } from '../../../libs/db/src/db.module';
import { parseWorkerConfig, WORKER_CONFIG, type WorkerConfig } from './config/worker-config';
import { WorkerMetrics } from './metrics/worker-metrics';
import { WorkerRuntime } from './worker-runtime';

/** Starts the BullMQ workers when the app boots and closes them (finishing in-flight jobs) on shutdown. */
@Injectable()
export class WorkerLifecycle implements OnApplicationBootstrap, OnApplicationShutdown {
  constructor(@Inject(WorkerRuntime) private readonly runtime: WorkerRuntime) {}
  onApplicationBootstrap(): Promise<void> {
    return this.runtime.start();
  }
  onApplicationShutdown(): Promise<void> {
    return this.runtime.close();
  }
}

/** The worker app: Db, config, metrics and the runtime holding every processor and use case. */
@Module({
  imports: [DbModule],
  providers: [
    { provide: WORKER_CONFIG, useFactory: (): WorkerConfig => parseWorkerConfig() },
    { provide: WorkerMetrics, useFactory: () => new WorkerMetrics({ defaultMetrics: true }) },
    {
      provide: WorkerRuntime,
      inject: [Db, WORKER_CONFIG, WorkerMetrics],
      useFactory: (db: Db, config: WorkerConfig, metrics: WorkerMetrics) => new WorkerRuntime(db, getEnv(), config, { metrics }),
    },
    WorkerLifecycle,
  ],
  exports: [WorkerRuntime, WorkerMetrics, WORKER_CONFIG],
})
export class WorkerModule {}
