import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Queue } from 'bullmq';
import { Pool } from 'pg';
import { QueueName, redisConnection } from '../../libs/queue/src';
import { findSnapshotJobs, isSnapshotJob } from '../../libs/queue/src/testing/snapshot-jobs';
import { deleteKeysByPrefix, TEST_REDIS_URL, testQueuePrefix } from '../../libs/queue/src/testing/test-redis';
import type { Proc } from '../e2e/stack';
import { Fleet, freePort, newSecrets, report, stackEnv, startApi, startWorker, storedSnapshots, waitFor } from './harness';
import { PgCluster } from './servers';

// Fault: PostgreSQL (our own throwaway cluster) is stopped while the worker has snapshots to process.
// The API keeps accepting (auth from its token cache, the queue is Redis); the worker's jobs fail, are
// retried with exponential backoff (1 s, 2 s, 4 s, … VIRTCAP_JOB_ATTEMPTS = 8 by default) and complete
// once PostgreSQL is back. Nothing is dead-lettered for a transient outage.
describe('fault: PostgreSQL stopped during processing', () => {
  const N = 20;
  let pg: PgCluster;
  let url: string;
  let pool: Pool;
  let prefix: string;
  let api: Proc | undefined;
  let worker: Proc | undefined;
  let queue: Queue;
  let env: Record<string, string>;
  const secrets = newSecrets();

  beforeAll(async () => {
    pg = await PgCluster.create();
    url = await pg.migratedDatabase('virtcap');
    pool = new Pool({ connectionString: url, max: 3 });
    pool.on('error', () => undefined); // the test stops this server on purpose
    prefix = testQueuePrefix();
    env = stackEnv({
      databaseUrl: url,
      redisUrl: TEST_REDIS_URL,
      prefix,
      secrets,
      port: await freePort(),
      // Hosts that reported a minute ago keep being authenticated while PostgreSQL is away.
      env: { VIRTCAP_TOKEN_CACHE_TTL: '5m', WORKER_CONCURRENCY: '4' },
    });
    api = await startApi(env);
    worker = await startWorker(env);
    queue = new Queue(QueueName.Snapshots, { connection: redisConnection(TEST_REDIS_URL, 'worker'), prefix });
  }, 90_000);

  afterAll(async () => {
    await Promise.all([api?.stop(), worker?.stop()]);
    await queue?.close();
    await pool?.end();
    await pg?.destroy();
    if (prefix) await deleteKeysByPrefix(prefix);
  });

  it('jobs retry with backoff and complete after PostgreSQL returns; nothing dead-letters', async () => {
    const apiUrl = `http://127.0.0.1:${env.PORT}`;
    const fleet = await Fleet.enrolled(apiUrl, secrets, N);
    const round1 = fleet.snapshots();
    let accepted = 0;
    for (const { host, snapshot } of round1) if ((await fleet.deliver(host, snapshot, { attempts: 3 })).kind === 'accepted') accepted++;
    await waitFor('round 1 stored', async () => (await storedSnapshots(pool, round1.map((b) => b.snapshot.snapshotId))).stored === N);

    await pg.stop();
    const ready = await fetch(`${apiUrl}/readyz`);
    const readyBody = (await ready.json()) as { checks: { postgres: { status: string } } };
    expect(ready.status).toBe(503);
    expect(readyBody.checks.postgres.status).toBe('down');

    // Every host reboots (new boot id: new content) and reports while PostgreSQL is down.
    for (const h of fleet.hosts) h.bootId = crypto.randomUUID();
    const round2 = fleet.snapshots(new Date(Date.now() + 1000));
    let acceptedDuringOutage = 0;
    for (const { host, snapshot } of round2) if ((await fleet.deliver(host, snapshot, { attempts: 3 })).kind === 'accepted') acceptedDuringOutage++;
    expect(acceptedDuringOutage).toBe(N);
    accepted += acceptedDuringOutage;

    // Let every job fail at least twice (1 s + 2 s of backoff) before PostgreSQL comes back.
    const retrying = await waitFor('every job to have failed at least twice', async () => {
      const jobs = await queue.getJobs(['delayed', 'wait', 'active', 'prioritized']);
      const normalize = jobs.filter(isSnapshotJob);
      return normalize.length === N && normalize.every((j) => j.attemptsMade >= 2) ? normalize.length : undefined;
    }, 30_000);
    const t0 = Date.now();
    await pg.start();

    const ids = [...round1, ...round2].map((b) => b.snapshot.snapshotId);
    await waitFor('round 2 stored after PostgreSQL returned', async () => (await storedSnapshots(pool, ids)).stored === 2 * N, 45_000);
    const { stored, duplicates } = await storedSnapshots(pool, ids);
    const done = await Promise.all(round2.map(async (b) => (await findSnapshotJobs(queue, b.snapshot.snapshotId))[0]?.job));
    const attempts = done.map((j) => j?.attemptsMade ?? -1);
    const counts = await queue.getJobCounts('completed', 'failed');
    const { rows: dead } = await pool.query<{ n: number }>('SELECT count(*)::int AS n FROM dead_letters');
    const dlq = new Queue(QueueName.DeadLetter, { connection: redisConnection(TEST_REDIS_URL, 'worker'), prefix });
    const deadQueued = await dlq.count();
    await dlq.close();

    const line = report({
      scenario: 'PostgreSQL stopped during processing',
      sent: 2 * N,
      accepted,
      stored,
      duplicates,
      lost: accepted - stored,
      notes: {
        acceptedWhilePgDown: acceptedDuringOutage,
        jobsRetrying: retrying,
        minAttempts: Math.min(...attempts),
        maxAttempts: Math.max(...attempts),
        storedWithinMsOfRestart: Date.now() - t0,
        failedJobs: counts.failed,
        deadLetters: dead[0]!.n + deadQueued,
      },
    });
    expect(line).toContain('lost=0');
    expect(stored).toBe(2 * N);
    expect(duplicates).toBe(0);
    expect(Math.min(...attempts)).toBeGreaterThanOrEqual(2);
    expect(counts.failed).toBe(0);
    expect(dead[0]!.n).toBe(0);
    expect(deadQueued).toBe(0);
  }, 120_000);
});
