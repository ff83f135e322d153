import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { Snapshot } from '../../libs/contracts/src';
import { createTestDatabase, TestDatabase } from '../../libs/db/src/testing/test-db';
import { deleteKeysByPrefix, TEST_REDIS_URL, testQueuePrefix } from '../../libs/queue/src/testing/test-redis';
import type { SimHost } from '../../tools/sim/fleet';
import type { Proc } from '../e2e/stack';
import { Fleet, freePort, newSecrets, report, stackEnv, startApi, startWorker, stop, storedSnapshots, waitFor } from './harness';

// Fault: the API process is restarted while hosts post without pause: once with SIGKILL (a crash) and
// once with SIGTERM (a deploy), each time started again on the same port. Every snapshot's POST either got
// a 202 (then it must be stored) or an error/no answer (then the client resends the SAME snapshot, as the
// agent replays its spool); a count at the end proves there is no gap and no double.
describe('fault: API restarted under load', () => {
  const HOSTS = 120;
  const LANES = 6;
  let t: TestDatabase;
  let prefix: string;
  let api: Proc | undefined;
  let worker: Proc | undefined;
  let env: Record<string, string>;
  const secrets = newSecrets();

  beforeAll(async () => {
    t = await createTestDatabase();
    prefix = testQueuePrefix();
    env = stackEnv({ databaseUrl: t.url, redisUrl: TEST_REDIS_URL, prefix, secrets, port: await freePort() });
    api = await startApi(env);
    worker = await startWorker(env);
  });

  afterAll(async () => {
    await Promise.all([api ? stop(api) : undefined, worker ? stop(worker) : undefined]);
    await t?.drop();
    if (prefix) await deleteKeysByPrefix(prefix);
  });

  it('every snapshot is stored exactly once across a crash and a restart of the API', async () => {
    const apiUrl = `http://127.0.0.1:${env.PORT}`;
    const fleet = await Fleet.enrolled(apiUrl, secrets, HOSTS);
    const queue: Array<{ host: SimHost; snapshot: Snapshot }> = fleet.snapshots();
    const ids = queue.map((q) => q.snapshot.snapshotId);
    const counts = { posts: 0, accepted: 0, queued: 0, duplicate: 0, failedPosts: 0, resends: 0 };
    let done = 0;

    const lane = async () => {
      for (let next = queue.shift(); next; next = queue.shift()) {
        // One POST per try (no in-run retries): a failure is visible here and answered by a resend.
        for (let attempt = 0; ; attempt++) {
          if (attempt > 0) counts.resends++;
          counts.posts++;
          const out = await fleet.deliver(next.host, next.snapshot, { attempts: 1 });
          if (out.kind === 'accepted') {
            counts.accepted++;
            if (out.status === 'duplicate') counts.duplicate++;
            else counts.queued++;
            break;
          }
          if (out.kind !== 'unavailable') throw new Error(`${next.host.hostname}: ${out.kind} ${'reason' in out ? out.reason : ''}`);
          counts.failedPosts++;
          await new Promise((r) => setTimeout(r, 100 + 100 * Math.min(attempt, 10)));
        }
        done++;
      }
    };
    const restarts = (async () => {
      await waitFor('a third of the snapshots sent', async () => done >= HOSTS / 3, 30_000);
      await stop(api!, 'SIGKILL');
      api = await startApi(env);
      await waitFor('two thirds of the snapshots sent', async () => done >= (2 * HOSTS) / 3, 30_000);
      await stop(api, 'SIGTERM');
      api = await startApi(env);
    })();
    await Promise.all([...Array.from({ length: LANES }, lane), restarts]);

    await waitFor('every accepted snapshot stored', async () => (await storedSnapshots(t.db.pool, ids)).stored === HOSTS, 30_000).catch(() => undefined);
    const { stored, duplicates } = await storedSnapshots(t.db.pool, ids);
    const line = report({
      scenario: 'API restarted under load (SIGKILL, then SIGTERM)',
      sent: HOSTS,
      accepted: counts.accepted,
      stored,
      duplicates,
      lost: HOSTS - stored,
      notes: { posts: counts.posts, failedPosts: counts.failedPosts, resends: counts.resends, answeredDuplicate: counts.duplicate },
    });
    expect(counts.accepted).toBe(HOSTS);
    expect(counts.failedPosts).toBeGreaterThan(0); // the restarts did cut requests
    expect(line).toContain('lost=0');
    expect(stored).toBe(HOSTS);
    expect(duplicates).toBe(0);
  }, 120_000);
});
