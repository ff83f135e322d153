import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { randomUUID } from 'node:crypto';
import { readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Queue } from 'bullmq';
import { writeEvidenceDir } from '../../apps/agent/src/collect/evidence-dir';
import { QueueName, redisConnection } from '../../libs/queue/src';
import { findSnapshotJobs } from '../../libs/queue/src/testing/snapshot-jobs';
import { createTestDatabase, TestDatabase } from '../../libs/db/src/testing/test-db';
import { loadProfiles, withFirmware } from '../../tools/sim/profiles';
import { AGENT, execFileP, type Proc } from '../e2e/stack';
import { freePort, newSecrets, report, stackEnv, startApi, startWorker, stop, storedSnapshots, waitFor } from './harness';
import { RedisServer, workDir } from './servers';

interface AgentHost {
  name: string;
  machineId: string;
  state: string;
  bundle: Awaited<ReturnType<typeof loadProfiles>>[number]['bundle'];
}

// Fault: Redis (our own instance, append-only file with fsync on every write, as production should run
// it) is SIGKILLed while agents report. The API answers 503 + Retry-After (it never takes a snapshot it
// cannot queue); the real agent bundle (`run --once`) keeps what it could not send in its spool; after
// Redis returns, the next run replays the spool and every snapshot arrives exactly once in PostgreSQL.
describe('fault: Redis stopped during ingest', () => {
  const HOSTS = 6;
  let t: TestDatabase;
  let redis: RedisServer;
  let api: Proc | undefined;
  let worker: Proc | undefined;
  let apiUrl: string;
  const secrets = newSecrets();
  const work = workDir('redis');
  const config = join(work, 'agent.json');
  const log: string[] = [];

  beforeAll(async () => {
    t = await createTestDatabase();
    redis = await RedisServer.start({ persist: true });
    const port = await freePort();
    apiUrl = `http://127.0.0.1:${port}`;
    const env = stackEnv({ databaseUrl: t.url, redisUrl: redis.url, prefix: 'virtcap', secrets, port });
    api = await startApi(env);
    worker = await startWorker(env);
    // One run gives up quickly (a 503 asks for 10 s; this agent waits at most 1 s) and keeps the rest spooled.
    writeFileSync(config, JSON.stringify({ retry: { maxAttempts: 2, baseDelay: 200, maxRetryAfter: 1000 }, timeouts: { request: 5000 } }));
  });

  afterAll(async () => {
    await Promise.all([api ? stop(api) : undefined, worker ? stop(worker) : undefined]);
    await redis?.destroy();
    await t?.drop();
    rmSync(work, { recursive: true, force: true });
  });

  const common = (h: AgentHost) => ['--config', config, '--server', apiUrl, '--state-dir', h.state, '--hostname', h.name, '--machine-id', h.machineId];

  /** One `virtcap-agent run --once` over a fresh evidence dir (new boot id: new content, so a new history row). */
  async function runOnce(h: AgentHost, round: number): Promise<void> {
    const dir = join(work, `${h.name}-ev${round}`);
    await writeEvidenceDir(dir, h.bundle, { mode: 'evidence-dir', runs: [], notes: [] }, randomUUID());
    const r = await execFileP(process.execPath, [AGENT, 'run', '--once', '--evidence-dir', dir, ...common(h)]).catch((e: { stderr?: string; code?: number }) => {
      throw new Error(`agent run exited ${e.code}: ${e.stderr}`);
    });
    log.push(...r.stderr.split('\n').map((l) => `${h.name} r${round} ${l}`));
  }

  const spooled = (h: AgentHost) => readdirSync(join(h.state, 'spool')).filter((f) => f.endsWith('.json.gz')).length;
  const matching = (re: RegExp) => [...new Set(log.flatMap((l) => [...l.matchAll(re)].map((m) => m[1]!)))];

  it('API answers 503 + Retry-After, agents spool, and every spooled snapshot arrives exactly once', async () => {
    const profiles = await loadProfiles('test/fixtures/evidence-dirs');
    const hosts: AgentHost[] = Array.from({ length: HOSTS }, (_, i) => {
      const p = profiles[i % profiles.length]!;
      return { name: `xen-redis-${i}`, machineId: randomUUID().replace(/-/g, ''), state: join(work, `state-${i}`), bundle: withFirmware(p.bundle, p.board, p.biosVersions[0]!) };
    });
    await Promise.all(hosts.map((h) => execFileP(process.execPath, [AGENT, 'enroll', '--secret', secrets.enroll, '--quiet', ...common(h)])));

    await Promise.all(hosts.map((h) => runOnce(h, 1)));
    // Redis dies while the second round is on its way.
    const round2 = Promise.all(hosts.map((h) => runOnce(h, 2)));
    await redis.stop('SIGKILL');
    await round2;
    const during = await fetch(`${apiUrl}/v1/snapshots`, {
      method: 'POST',
      headers: { authorization: `Bearer ${JSON.parse(readFileSync(join(hosts[0]!.state, 'token.json'), 'utf8')).token}`, 'content-type': 'application/json', 'content-encoding': 'gzip' },
      body: readFileSync(join(hosts[0]!.state, 'spool', readdirSync(join(hosts[0]!.state, 'spool')).find((f) => f.endsWith('.json.gz'))!)),
    }).catch(() => undefined);
    await Promise.all(hosts.map((h) => runOnce(h, 3)));
    const spooledDuringOutage = hosts.reduce((a, h) => a + spooled(h), 0);

    await redis.start();
    await waitFor('the API to see Redis again', async () => (await fetch(`${apiUrl}/readyz`)).ok, 30_000);
    await Promise.all(hosts.map((h) => runOnce(h, 4)));
    const leftInSpool = hosts.reduce((a, h) => a + spooled(h), 0);

    const sent = matching(/snapshot ([0-9a-f-]{36}) spooled/g);
    const accepted = matching(/snapshot ([0-9a-f-]{36}) delivered \((?:queued|duplicate)\)/g);
    const answeredDuplicate = matching(/snapshot ([0-9a-f-]{36}) delivered \(duplicate\)/g);
    const unavailable = log.filter((l) => /HTTP 503|server unavailable|unreachable/.test(l)).length;
    // A job the worker had taken when Redis died is still `active` (with its lock) after the restart:
    // BullMQ's stalled check gives it back after the lock expires, 30–60 s later.
    const t0 = Date.now();
    // A replayed spool holds several snapshots of one host; the worker may take a newer one before an older
    // one, and the older is then `out_of_order`: it arrives (moves last_seen_at, counted in ingest_stats) but
    // makes no history row, by design (state never goes back). Arrived = history rows + out-of-order ones.
    const outOfOrder = async () => (await t.db.pool.query<{ n: number }>('SELECT coalesce(sum(out_of_order), 0)::int AS n FROM ingest_stats')).rows[0]!.n;
    await waitFor('every snapshot in PostgreSQL', async () => (await storedSnapshots(t.db.pool, sent)).stored + (await outOfOrder()) === sent.length, 90_000).catch(() => undefined);
    const settleMs = Date.now() - t0;
    const { stored, duplicates } = await storedSnapshots(t.db.pool, sent);
    const arrivedOutOfOrder = await outOfOrder();

    const q = redis.client();
    const events = (await q.xrange('virtcap:snapshots:events', '-', '+')) as Array<[string, string[]]>;
    q.disconnect();
    const stalledIds = new Set(events.filter(([, f]) => f[1] === 'stalled').map(([, f]) => f[f.indexOf('jobId') + 1]!));
    // For a snapshot that did not arrive: where it was sent from, and what Redis knows of it.
    const { rows: storedRows } = await t.db.pool.query<{ id: string }>('SELECT id FROM snapshots WHERE id = ANY($1::uuid[])', [sent]);
    const have = new Set(storedRows.map((r) => r.id));
    const q2 = redis.client();
    const queue = new Queue(QueueName.Snapshots, { connection: redisConnection(redis.url, 'worker'), prefix: 'virtcap' });
    const missing = await Promise.all(sent.filter((id) => !have.has(id)).map(async (id) => {
      const jobs = await findSnapshotJobs(queue, id);
      const where = await Promise.all(jobs.map(async ({ job }) => `${job.name}#${job.id}:${await job.getState()} attempts=${job.attemptsMade} ${job.failedReason ?? ''}`));
      const seen = await q2.get(`virtcap:ingest:seen:${id}`);
      return `${id} [${log.filter((l) => l.includes(id)).join(' / ')}] in=${where.join(',') || 'none'} seenKey=${seen ?? 'absent'}`;
    }));
    await queue.close();
    q2.disconnect();
    if (missing.length) process.stdout.write(`[reliability] not stored:\n${missing.join('\n')}\n`);
    const line = report({
      scenario: 'Redis stopped during ingest',
      sent: sent.length,
      accepted: accepted.length,
      stored,
      duplicates,
      lost: sent.length - stored - arrivedOutOfOrder,
      notes: { arrivedOutOfOrder, lastStoredAfterMs: settleMs, stalledRecovered: stalledIds.size, spooledDuringOutage, leftInSpool, answeredDuplicate: answeredDuplicate.length, agentLinesAboutOutage: unavailable, directPostStatus: during?.status ?? 'no answer' },
    });
    expect(during?.status).toBe(503);
    expect(during?.headers.get('retry-after')).toMatch(/^\d+$/);
    expect(sent).toHaveLength(4 * HOSTS);
    expect(spooledDuringOutage).toBeGreaterThanOrEqual(HOSTS); // at least every third-round snapshot
    expect(leftInSpool).toBe(0);
    expect(accepted).toHaveLength(4 * HOSTS);
    expect(line).toContain('lost=0');
    expect(stored + arrivedOutOfOrder).toBe(4 * HOSTS);
    expect(duplicates).toBe(0);
  }, 180_000);
});
