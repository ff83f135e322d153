import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import type { PoolClient } from 'pg';
import { createTestDatabase, TestDatabase } from '../../libs/db/src/testing/test-db';
import { QueueName, redisConnection } from '../../libs/queue/src';
import { isSnapshotJob, snapshotIdsOfJob } from '../../libs/queue/src/testing/snapshot-jobs';
import type { Proc } from '../e2e/stack';
import { Fleet, freePort, newSecrets, report, stackEnv, startApi, startWorker, stop, storedSnapshots, waitFor } from './harness';
import { RedisServer } from './servers';

// Fault: a worker process is SIGKILLed while it drains a backlog. Four of its jobs are stopped in the
// middle of their PostgreSQL transaction (the test holds the hosts' row locks), four more have COMMITTED
// but not yet told Redis (the test pauses Redis writes, so BullMQ's "completed" never lands). A second
// worker process must pick all eight up through BullMQ's stalled-job recovery (default lock 30 s, check
// every 30 s: recovery takes 30–60 s) and store each snapshot exactly once.
describe('fault: worker SIGKILLed mid-job', () => {
  const N = 40;
  let t: TestDatabase;
  let redis: RedisServer;
  let redisCli: Redis;
  let api: Proc | undefined;
  const workers: Proc[] = [];
  let queue: Queue;
  let env: Record<string, string>;
  const secrets = newSecrets();

  beforeAll(async () => {
    t = await createTestDatabase();
    redis = await RedisServer.start(); // our own: the test pauses its writes
    redisCli = redis.client();
    const port = await freePort();
    env = stackEnv({ databaseUrl: t.url, redisUrl: redis.url, prefix: 'virtcap', secrets, port, env: { WORKER_CONCURRENCY: '8' } });
    api = await startApi(env);
    queue = new Queue(QueueName.Snapshots, { connection: redisConnection(redis.url, 'worker'), prefix: 'virtcap' });
  });

  afterAll(async () => {
    await redisCli?.call('CLIENT', 'UNPAUSE').catch(() => undefined); // only if a failed test left it paused
    await Promise.all([api ? stop(api) : undefined, ...workers.map((w) => stop(w, 'SIGKILL'))]);
    await queue?.close();
    redisCli?.disconnect();
    await redis?.destroy();
    await t?.drop();
  });

  it('another worker recovers the stalled jobs: every snapshot stored once, none lost', async () => {
    const fleet = await Fleet.enrolled(`http://127.0.0.1:${env.PORT}`, secrets, N);
    const batch = fleet.snapshots();
    const ids = batch.map((b) => b.snapshot.snapshotId);

    // Backlog: all N accepted while no worker runs.
    let accepted = 0;
    for (const { host, snapshot } of batch) {
      const out = await fleet.deliver(host, snapshot, { attempts: 3 });
      if (out.kind === 'accepted' && out.status === 'queued') accepted++;
    }
    expect(accepted).toBe(N);
    expect((await queue.getJobCounts('wait')).wait).toBe(N);

    // Hold the row locks of 8 hosts in the middle of the backlog: their jobs will block inside the transaction.
    const committedLater = batch.slice(12, 16);
    const neverCommitted = batch.slice(24, 28);
    const lockA = await lockHosts(t, committedLater.map((b) => b.host.hostId!));
    const lockB = await lockHosts(t, neverCommitted.map((b) => b.host.hostId!));
    // Sent one at a time, each snapshot is the only item of its batch job.
    const blockedSnapshotIds = new Set([...committedLater, ...neverCommitted].map((b) => b.snapshot.snapshotId));
    const blockedJobIds = new Set<string>();

    const first = await startWorker(env);
    workers.push(first);
    const before = await waitFor('the first worker to block on all eight locked hosts', async () => {
      const active = await queue.getActive();
      if (!(active.length === 8 && active.every((j) => snapshotIdsOfJob(j).every((id) => blockedSnapshotIds.has(id))))) return undefined;
      for (const j of active) blockedJobIds.add(j.id!);
      return { stored: (await storedSnapshots(t.db.pool, ids)).stored, active: active.length, waiting: (await queue.getJobs(['wait'])).filter(isSnapshotJob).length };
    }, 30_000);

    // Pause Redis writes, let four blocked jobs commit in PostgreSQL: their "completed" cannot reach Redis.
    await redisCli.call('CLIENT', 'PAUSE', '30000', 'WRITE');
    await lockA.release();
    await waitFor('four transactions to commit', async () => (await storedSnapshots(t.db.pool, committedLater.map((b) => b.snapshot.snapshotId))).stored === 4, 15_000);
    await stop(first, 'SIGKILL');
    await redisCli.call('CLIENT', 'UNPAUSE');
    await lockB.release(); // the killed worker's four open transactions die with their connections

    const second = await startWorker(env);
    workers.push(second);
    // Done when every snapshot is stored and no snapshot job is left. (Job records are no count: the stale
    // sweep's `removeOnComplete: 10` trims the queue's whole completed set.)
    let last = '';
    await waitFor('the second worker to finish every job, the stalled ones included', async () => {
      const left = (await queue.getJobs(['active', 'wait', 'delayed', 'prioritized'])).filter(isSnapshotJob);
      const s = await storedSnapshots(t.db.pool, ids);
      last = `stored=${s.stored} snapshot jobs left=${left.length}`;
      return s.stored === N && left.length === 0;
    }, 100_000).catch((e: Error) => {
      throw new Error(`${e.message} (last: ${last})`);
    });
    const failed = (await queue.getJobs(['failed'])).filter(isSnapshotJob).length;
    const { stored, duplicates } = await storedSnapshots(t.db.pool, ids);
    // BullMQ's event stream records each job its stalled check moved back to wait.
    const events = (await redisCli.xrange(`virtcap:${QueueName.Snapshots}:events`, '-', '+')) as Array<[string, string[]]>;
    const stalledIds = new Set(events.filter(([, f]) => f[1] === 'stalled').map(([, f]) => f[f.indexOf('jobId') + 1]!));
    const recovered = [...blockedJobIds].filter((id) => stalledIds.has(id)).length;
    const { rows: dead } = await t.db.pool.query<{ n: number }>('SELECT count(*)::int AS n FROM dead_letters');
    const { rows: hosts } = await t.db.pool.query<{ n: number }>(
      'SELECT count(*)::int AS n FROM hosts h WHERE h.id = ANY($1::uuid[]) AND h.last_snapshot_id = ANY($2::uuid[])',
      [batch.map((b) => b.host.hostId!), ids],
    );
    const line = report({
      scenario: 'worker SIGKILL mid-job',
      sent: N,
      accepted,
      stored,
      duplicates,
      lost: accepted - stored,
      notes: {
        storedBeforeKill: before.stored,
        inFlightAtKill: before.active,
        waitingAtKill: before.waiting,
        committedNotAcked: committedLater.length,
        killedMidTransaction: neverCommitted.length,
        recoveredByStalledCheck: recovered,
        failedJobs: failed,
        deadLetters: dead[0]!.n,
      },
    });
    expect(line).toContain('lost=0');
    expect(stored).toBe(N);
    expect(duplicates).toBe(0);
    expect(failed).toBe(0);
    expect(recovered).toBe(8);
    expect(dead[0]!.n).toBe(0);
    expect(hosts[0]!.n).toBe(N); // every host's current state is its (only) snapshot
  }, 150_000);
});

/** Opens a transaction holding `FOR UPDATE` locks on the hosts' rows until `release()` (rollback). */
async function lockHosts(t: TestDatabase, hostIds: string[]): Promise<{ release: () => Promise<void> }> {
  const c: PoolClient = await t.db.pool.connect();
  await c.query('BEGIN');
  const { rowCount } = await c.query('SELECT id FROM hosts WHERE id = ANY($1::uuid[]) FOR UPDATE', [hostIds]);
  expect(rowCount).toBe(hostIds.length);
  return {
    release: async () => {
      await c.query('ROLLBACK');
      c.release();
    },
  };
}
