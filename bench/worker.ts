/**
 * Worker throughput benchmark: `npm run bench:worker` (→ `node dist/bench/worker.js [--n=5000] [--hosts=500]
 * [--changed=0.1]`), run from the project root with PostgreSQL and Redis up. Creates a throwaway migrated
 * database and its own queue prefix, enrolls hosts, pre-fills the snapshots queue with N jobs (a `changed`
 * share of them change the host's firmware, the rest are unchanged re-reports), drains it with the real
 * processor at WORKER_CONCURRENCY, and prints normalized snapshots/s next to raw PostgreSQL speed in the
 * same run: multi-row INSERTs (500 a statement) of the same rows (id, host, time, hash, facts, verdicts).
 */
import { Queue } from 'bullmq';
import { randomBytes, randomUUID } from 'node:crypto';
import { resolve } from 'node:path';
import { Db } from '../libs/db/src/db';
import { migrate } from '../libs/db/src/migrate/migrate';
import { admin, dropDatabase, urlFor } from '../libs/db/src/testing/pg-admin';
import { QueueName, redisConnection } from '../libs/queue/src';
import { deleteKeysByPrefix } from '../libs/queue/src/testing/test-redis';
import { parseWorkerConfig } from '../apps/worker/src/config/worker-config';
import { deriveSnapshot } from '../apps/worker/src/use-cases/normalize-snapshot/derive-snapshot';
import { WorkerRuntime } from '../apps/worker/src/worker-runtime';
import { SnapshotSchema } from '../libs/contracts/src';
import { snapshotFor } from '../test/worker/snapshots';

const arg = (k: string, d: number) => Number(process.argv.find((a) => a.startsWith(`--${k}=`))?.slice(k.length + 3) ?? d) || d;
const N = arg('n', 5000);
const HOSTS = arg('hosts', 500);
const CHANGED = arg('changed', 0.1);
const CONCURRENCY = Number(process.env.WORKER_CONCURRENCY ?? 16);
const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

async function main(): Promise<void> {
  const name = `virtcap_bench_worker_${randomBytes(4).toString('hex')}`;
  const prefix = `virtcap_bench_${randomBytes(4).toString('hex')}`;
  await admin((c) => c.query(`CREATE DATABASE "${name}"`));
  const url = urlFor(name);
  const db = new Db(url, { max: CONCURRENCY + 4, applicationName: 'virtcap-bench' });
  const queue = new Queue(QueueName.Snapshots, { connection: redisConnection(REDIS_URL, 'worker'), prefix });
  const env = { REDIS_URL, VIRTCAP_QUEUE_PREFIX: prefix, WORKER_CONCURRENCY: CONCURRENCY, VIRTCAP_STALE_AFTER: 3_600_000, VIRTCAP_ALERT_WEBHOOK_URL: undefined, VIRTCAP_ALERT_WEBHOOK_SECRET: undefined, VIRTCAP_ALERTMANAGER_URL: undefined };
  const runtime = new WorkerRuntime(db, env, parseWorkerConfig({ WORKER_METRICS_PORT: '0' }));
  try {
    await migrate(url, resolve('prisma/migrations'));
    const hosts = Array.from({ length: HOSTS }, () => randomUUID());
    await db.pool.query(`INSERT INTO hosts (id, machine_id, hostname) SELECT id, id::text, 'bench-' || id FROM unnest($1::uuid[]) id`, [hosts]);
    const t0 = Date.parse('2026-11-01T00:00:00Z');
    // Seed every host with its first snapshot (not timed), so the timed run is mostly unchanged re-reports.
    for (const [i, hostId] of hosts.entries()) {
      await runtime.normalize.execute({ hostId, receivedAt: new Date().toISOString(), snapshot: snapshotFor({ bios: 'v0', iommu: true, numVfs: 8 }, new Date(t0 + i)) });
    }
    const bios = new Map<string, number>();
    const jobs = Array.from({ length: N }, (_, i) => {
      const hostId = hosts[i % HOSTS]!;
      let v = bios.get(hostId) ?? 0;
      if (Math.random() < CHANGED) bios.set(hostId, ++v);
      const snapshot = snapshotFor({ bios: `v${v}`, iommu: true, numVfs: 8 }, new Date(t0 + 60_000 * (1 + Math.floor(i / HOSTS)) + (i % HOSTS)));
      return { name: 'snapshot.normalize', data: { hostId, receivedAt: new Date().toISOString(), snapshot }, opts: { attempts: 3, removeOnComplete: true } };
    });
    for (let i = 0; i < jobs.length; i += 1000) await queue.addBulk(jobs.slice(i, i + 1000));

    const start = process.hrtime.bigint();
    await runtime.start({ schedule: false, notifications: false });
    const done = async () => (await runtime.metrics.snapshots.get()).values.reduce((n, v) => n + v.value, 0);
    while ((await done()) < N) await new Promise((r) => setTimeout(r, 20));
    const workerSec = Number(process.hrtime.bigint() - start) / 1e9;
    const outcomes = Object.fromEntries((await runtime.metrics.snapshots.get()).values.map((v) => [v.labels.outcome, v.value]));
    await runtime.close();

    // Raw PostgreSQL on the same rows: multi-row INSERT, 500 rows a statement, same concurrency.
    await db.pool.query(`CREATE TABLE raw_bench (id uuid PRIMARY KEY, host_id uuid, collected_at timestamptz, content_hash text, facts jsonb, verdicts jsonb)`);
    const rows = jobs.map((j) => {
      const s = SnapshotSchema.parse(j.data.snapshot);
      const d = deriveSnapshot(s);
      return [s.snapshotId, j.data.hostId, s.collectedAt, d.contentHash, d.factsJson, d.verdictsJson];
    });
    const rawStart = process.hrtime.bigint();
    const chunks: unknown[][][] = [];
    for (let i = 0; i < rows.length; i += 500) chunks.push(rows.slice(i, i + 500));
    let next = 0;
    await Promise.all(
      Array.from({ length: Math.min(CONCURRENCY, chunks.length) }, async () => {
        for (let c = chunks[next++]; c; c = chunks[next++]) {
          const values = c.map((_, r) => `($${r * 6 + 1}, $${r * 6 + 2}, $${r * 6 + 3}, $${r * 6 + 4}, $${r * 6 + 5}::jsonb, $${r * 6 + 6}::jsonb)`).join(',');
          await db.pool.query(`INSERT INTO raw_bench VALUES ${values}`, c.flat());
        }
      }),
    );
    const rawSec = Number(process.hrtime.bigint() - rawStart) / 1e9;
    const workerRate = N / workerSec;
    const rawRate = N / rawSec;
    console.log(`worker: ${N} snapshots (${HOSTS} hosts, ${Math.round(CHANGED * 100)}% changed) at concurrency ${CONCURRENCY}`);
    console.log(`  outcomes: ${JSON.stringify(outcomes)}`);
    console.log(`| normalized snapshots/s | raw pg multi-row INSERT rows/s | ratio |`);
    console.log(`| ${workerRate.toFixed(0)} | ${rawRate.toFixed(0)} | ${(workerRate / rawRate).toFixed(2)} |`);
  } finally {
    await queue.close();
    await db.close();
    await dropDatabase(name);
    await deleteKeysByPrefix(prefix, REDIS_URL);
  }
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
