import { Queue, QueueEvents, type DefaultJobOptions } from 'bullmq';
import { randomUUID } from 'node:crypto';
import { parseWorkerConfig } from '../../apps/worker/src/config/worker-config';
import { WorkerRuntime } from '../../apps/worker/src/worker-runtime';
import { createTestDatabase, type TestDatabase } from '../../libs/db/src/testing/test-db';
import { QueueName, redisConnection } from '../../libs/queue/src';
import { deleteKeysByPrefix, testQueuePrefix, TEST_REDIS_URL } from '../../libs/queue/src/testing/test-redis';

export type WorkerEnv = ConstructorParameters<typeof WorkerRuntime>[1];

/** Worker settings for tests: fast notification backoff, metrics on a free port. */
export const TEST_WORKER_CONFIG = parseWorkerConfig({ WORKER_NOTIFY_BACKOFF_MS: '50', WORKER_METRICS_PORT: '0' });

/** The worker's environment on the test Redis under `prefix`, no notification channels unless `over` sets them. */
export function workerEnv(prefix: string, over: Partial<WorkerEnv> = {}): WorkerEnv {
  return {
    REDIS_URL: TEST_REDIS_URL,
    VIRTCAP_QUEUE_PREFIX: prefix,
    WORKER_CONCURRENCY: 8,
    VIRTCAP_STALE_AFTER: 3_600_000,
    VIRTCAP_ALERT_WEBHOOK_URL: undefined,
    VIRTCAP_ALERT_WEBHOOK_SECRET: undefined,
    VIRTCAP_ALERTMANAGER_URL: undefined,
    ...over,
  };
}

/** A running worker on its own database and queue prefix, with a producer and an event listener on its snapshots queue. */
export interface WorkerHarness {
  tdb: TestDatabase;
  prefix: string;
  runtime: WorkerRuntime;
  queue: Queue;
  events: QueueEvents;
  close(): Promise<void>;
}

export async function startWorkerHarness(over: (prefix: string) => Partial<WorkerEnv> = () => ({}), queueDefaults?: DefaultJobOptions): Promise<WorkerHarness> {
  const tdb = await createTestDatabase();
  const prefix = testQueuePrefix();
  const runtime = new WorkerRuntime(tdb.db, workerEnv(prefix, over(prefix)), TEST_WORKER_CONFIG);
  await runtime.start({ schedule: false });
  const queue = new Queue(QueueName.Snapshots, { connection: redisConnection(TEST_REDIS_URL, 'worker'), prefix, ...(queueDefaults ? { defaultJobOptions: queueDefaults } : {}) });
  const events = new QueueEvents(QueueName.Snapshots, { connection: redisConnection(TEST_REDIS_URL, 'worker'), prefix });
  await events.waitUntilReady();
  return {
    tdb,
    prefix,
    runtime,
    queue,
    events,
    async close() {
      await runtime.close();
      await queue.close();
      await events.close();
      await tdb.drop();
      await deleteKeysByPrefix(prefix);
    },
  };
}

/** Enrolls a bare host row (what the API's enrollment writes) and returns its id. */
export async function newHost(tdb: TestDatabase, hostname = 'r640-fra1-07'): Promise<string> {
  const id = randomUUID();
  await tdb.db.pool.query(`INSERT INTO hosts (id, machine_id, hostname) VALUES ($1, $2, $3)`, [id, `m-${id}`, hostname]);
  return id;
}
