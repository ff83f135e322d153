/**
 * Worker throughput benchmark: `npm run bench:worker` (→ `node dist/bench/worker.js [--n=5000] [--hosts=500]
 * [--changed=x | --mixes=0,0.01,0.1,1] [--mode=evidence|facts] [--encoding=gzip|json] [--no-api-hash] [--batch=16] [--warmup=N/5] [--profile=FILE.cpuprofile]`), run from the project root with
 * PostgreSQL and Redis up. Creates a throwaway migrated database and its own queue prefix, enrolls hosts,
 * pre-fills the snapshots queue with N snapshots in `snapshot.batch` jobs of `--batch` each (as the API
 * enqueues them; `--batch=1` is one snapshot a job) (a `changed` share of them change the host's BIOS version, the
 * rest are unchanged re-reports), drains it with the real processor at WORKER_CONCURRENCY, and prints
 * normalized snapshots/s next to raw PostgreSQL speed in the same run: multi-row INSERTs (500 a statement)
 * of the same rows (id, host, time, hash, facts, verdicts).
 *
 * `--mode=evidence` (default) sends what the agent sends: the raw evidence of
 * test/fixtures/evidence-dirs/intel-vtd-sriov (~33 KB; the BIOS version is edited in dmidecode.txt for a
 * change), so the worker re-parses it unless it recognises the evidence. `--mode=facts` sends parsed facts
 * only (test/worker/snapshots.ts), as the earlier runs of this bench did. `--profile` writes a CPU profile
 * of the timed drain only (not of the setup or the baseline).
 */
import { Queue } from 'bullmq';
import { randomBytes, randomUUID } from 'node:crypto';
import { resolve } from 'node:path';
import { Db } from '../libs/db/src/db';
import { migrate } from '../libs/db/src/migrate/migrate';
import { admin, dropDatabase, urlFor } from '../libs/db/src/testing/pg-admin';
import { addSnapshotBatch, batchItemBytes, nextBatchLength, QueueName, redisConnection, snapshotBatchItem, snapshotJobOptions, type SnapshotBatchItem } from '../libs/queue/src';
import { gzipSync } from 'node:zlib';
import { deleteKeysByPrefix } from '../libs/queue/src/testing/test-redis';
import { parseWorkerConfig } from '../apps/worker/src/config/worker-config';
import { deriveSnapshot } from '../apps/worker/src/use-cases/normalize-snapshot/derive-snapshot';
import { WorkerRuntime } from '../apps/worker/src/worker-runtime';
import { SnapshotSchema, snapshotWireJson } from '../libs/contracts/src';
import { snapshotFor } from '../test/worker/snapshots';
import { snapshotBody } from './ingest-bodies';
import { startProcess, type Proc, WORKER_MAIN } from '../test/e2e/stack';
import { Session } from 'node:inspector/promises';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';

/** The text given as `--<k>=…`, undefined when the flag is absent. */
const flag = (k: string): string | undefined => process.argv.find((a) => a.startsWith(`--${k}=`))?.slice(k.length + 3);
/** `text` as a number in [min, max], or an error naming the flag. */
function numberIn(what: string, text: string, min: number, max: number): number {
  const x = Number(text);
  if (text.trim() === '' || !(x >= min && x <= max)) throw new Error(`${what}=${text}: expected a number ${max === Number.MAX_SAFE_INTEGER ? `of at least ${min}` : `from ${min} to ${max}`}`);
  return x;
}
/** The number given as `--<k>=x` (at least `min`; 0 is a value when `min` allows it), else `d`. */
const arg = (k: string, d: number, min = 1): number => {
  const v = flag(k);
  return v === undefined ? d : numberIn(`--${k}`, v, min, Number.MAX_SAFE_INTEGER);
};
const N = arg('n', 5000);
const HOSTS = arg('hosts', 500);
/**
 * The changed/unchanged mixes to run, one after another, each with its own database, hosts, warm-up and
 * baseline: `--changed=x` runs one mix; `--mixes=a,b,…` several; by default 0%, 1%, 10% and 100% changed
 * reports (a report is "changed" when its host's BIOS version moved). The 10% mix is the stress mix the
 * earlier sessions quoted alone.
 */
const MIXES: number[] = flag('changed') !== undefined
  ? [numberIn('--changed', flag('changed')!, 0, 1)]
  : (flag('mixes')?.split(',').map((x) => numberIn('--mixes', x, 0, 1)) ?? [0, 0.01, 0.1, 1]);
const MODE = process.argv.find((a) => a.startsWith('--mode='))?.slice(7) ?? 'evidence';
const PROFILE = process.argv.find((a) => a.startsWith('--profile='))?.slice(10);
const ROUNDS = arg('rounds', 2);
/**
 * `--warmup=W` (default N/5): a first round of W more snapshots of the same mix, drained and inserted raw
 * like the others but not timed, so the figure is the worker's steady state: without it the first timed
 * round also carried V8's compilation of the worker's hot paths (TurboFan on a helper thread took ~30% of a
 * core during the first seconds of a drain, `perf` here) — a cost a long-running worker pays once.
 * `--warmup=0` for none.
 */
const WARMUP = arg('warmup', Math.round(N / 5), 0);
/**
 * At most this many snapshots per `snapshot.batch` job, and at most libs/queue MAX_BATCH_BYTES (120 KiB), as
 * the API batches under load: three of the ~35 KB evidence snapshots, twenty-odd facts-only ones. `--batch=1`
 * is one snapshot a job.
 */
const BATCH = arg('batch', 16);
/**
 * `--encoding=gzip` (default): items as the API enqueues what agents send, their gzip body as it came
 * (`snapshotGzip`); `--encoding=json`: as it enqueues an uncompressed body, the JSON bytes spliced in.
 * Either way the body is the agent's (libs/contracts snapshotWireJson).
 */
const ENCODING = process.argv.find((a) => a.startsWith('--encoding='))?.slice(11) ?? 'gzip';
if (ENCODING !== 'gzip' && ENCODING !== 'json') throw new Error(`--encoding=${ENCODING}: expected gzip or json`);
/**
 * `--procs=N`: drain with N worker processes, as the worker is deployed (one process per core; the bench
 * process runs one, N-1 more are the built `dist/apps/worker/src/main.js`). The baseline already runs its
 * INSERTs on up to WORKER_CONCURRENCY connections at once, i.e. on every core PostgreSQL has. Default 1.
 */
const PROCS = arg('procs', 1);
/** `--no-api-hash`: items without the API's evidence hash (as an API older than this field enqueued them). */
const HASHED = !process.argv.includes('--no-api-hash');

/** One queued item for `snapshot`, as the API would enqueue the agent's request for it. */
function queuedItem(hostId: string, snapshot: object): SnapshotBatchItem {
  const json = snapshotWireJson(snapshot);
  const valid = SnapshotSchema.parse(snapshot); // what the API has validated (untimed here, as the API's work is)
  const item = snapshotBatchItem(hostId, new Date().toISOString(), valid, ENCODING === 'json' ? { json } : { gzip: gzipSync(json) });
  return HASHED ? item : { ...item, evidence: undefined };
}

/** One report of `hostId` at `at` with BIOS version `bios`, in the chosen mode. */
function report(hostId: string, bios: string, at: Date): unknown {
  if (MODE === 'facts') return snapshotFor({ bios, iommu: true, numVfs: 8 }, at);
  const body = snapshotBody(`bench-${hostId}`, { dir: 'intel-vtd-sriov', collectedAt: at.toISOString() });
  const ev = { ...body.evidence! };
  ev['dmidecode.txt'] = ev['dmidecode.txt']!.replace(/(BIOS Information\n\tVendor: [^\n]*\n\tVersion: )[^\n]*/, `$1${bios}`);
  return { ...body, evidence: ev };
}
/**
 * CPU seconds used so far by every process named `postgres` or `redis-server` (Linux /proc; other work on the
 * same servers counts too, so read it on a quiet machine). Backends that exit between two readings are lost.
 */
function serverCpu(): { postgres: number; redis: number; pids: Map<string, number> } {
  const out = { postgres: 0, redis: 0, pids: new Map<string, number>() };
  let dirs: string[] = [];
  try {
    dirs = readdirSync('/proc').filter((d) => /^\d+$/.test(d));
  } catch {
    return out;
  }
  for (const d of dirs) {
    let stat: string;
    try {
      stat = readFileSync(`/proc/${d}/stat`, 'utf8');
    } catch {
      continue;
    }
    const comm = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
    if (comm !== 'postgres' && comm !== 'redis-server') continue;
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const sec = (Number(f[11]) + Number(f[12])) / 100; // USER_HZ is 100 on Linux
    out.pids.set(`${d}:${comm}`, sec);
  }
  return out;
}
/** CPU seconds each server used between two {@link serverCpu} readings (processes new in `b` count from 0). */
function serverCpuDelta(a: ReturnType<typeof serverCpu>, b: ReturnType<typeof serverCpu>): { postgres: number; redis: number } {
  const r = { postgres: 0, redis: 0 };
  for (const [k, v] of b.pids) r[k.endsWith(':postgres') ? 'postgres' : 'redis'] += v - (a.pids.get(k) ?? 0);
  return r;
}
const CONCURRENCY = Number(process.env.WORKER_CONCURRENCY ?? 16);
let stopExtra: () => Promise<void> = async () => undefined;

/** CPU seconds a process has used (Linux /proc; 0 when it is gone). */
function procCpuSec(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(f[11]) + Number(f[12])) / 100;
  } catch {
    return 0;
  }
}

/** The environment of an extra worker process: this run's database and queue prefix, no metrics port, no alert channels. */
function workerEnv(databaseUrl: string, prefix: string): Record<string, string> {
  return {
    NODE_ENV: 'production',
    DATABASE_URL: databaseUrl,
    REDIS_URL,
    VIRTCAP_QUEUE_PREFIX: prefix,
    VIRTCAP_ENROLL_SECRET: randomBytes(18).toString('base64url'),
    VIRTCAP_ADMIN_TOKEN: randomBytes(18).toString('base64url'),
    WORKER_CONCURRENCY: String(CONCURRENCY),
    WORKER_METRICS_PORT: '0',
    LOG_LEVEL: 'warn',
  };
}
const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

/** One mix's figures (per snapshot: ms). */
interface MixResult {
  changed: number;
  workerRate: number;
  rawRate: number;
  cpu: { node: number; postgres: number; redis: number; wall: number; rawWall: number };
}

async function main(changed: number): Promise<MixResult> {
  const name = `virtcap_bench_worker_${randomBytes(4).toString('hex')}`;
  const prefix = `virtcap_bench_${randomBytes(4).toString('hex')}`;
  await admin((c) => c.query(`CREATE DATABASE "${name}"`));
  const url = urlFor(name);
  const db = new Db(url, { max: CONCURRENCY + 4, applicationName: 'virtcap-bench' });
  const queue = new Queue(QueueName.Snapshots, { connection: redisConnection(REDIS_URL, 'worker'), prefix, defaultJobOptions: snapshotJobOptions(8) }); // what the API's queue uses
  const env = { REDIS_URL, VIRTCAP_QUEUE_PREFIX: prefix, WORKER_CONCURRENCY: CONCURRENCY, VIRTCAP_STALE_AFTER: 3_600_000, VIRTCAP_ALERT_WEBHOOK_URL: undefined, VIRTCAP_ALERT_WEBHOOK_SECRET: undefined, VIRTCAP_ALERTMANAGER_URL: undefined };
  const runtime = new WorkerRuntime(db, env, parseWorkerConfig({ WORKER_METRICS_PORT: '0' }));
  try {
    await migrate(url, resolve('prisma/migrations'));
    const hosts = Array.from({ length: HOSTS }, () => randomUUID());
    await db.pool.query(`INSERT INTO hosts (id, machine_id, hostname) SELECT id, id::text, 'bench-' || id FROM unnest($1::uuid[]) id`, [hosts]);
    const t0 = Date.parse('2026-11-01T00:00:00Z');
    // Seed every host with its first snapshot (not timed), so the timed run is mostly unchanged re-reports.
    for (const [i, hostId] of hosts.entries()) {
      await runtime.normalize.execute({ hostId, receivedAt: new Date().toISOString(), snapshot: report(hostId, 'v0', new Date(t0 + i)) });
    }
    // Compact job specs; snapshots are built chunk by chunk, so the bench does not hold N × 33 KB of
    // evidence in the heap while the worker runs (a big old generation makes every GC of the worker slower).
    const bios = new Map<string, number>();
    const specs = Array.from({ length: WARMUP + N }, (_, i) => {
      const hostId = hosts[i % HOSTS]!;
      let v = bios.get(hostId) ?? 0;
      if (Math.random() < changed) bios.set(hostId, ++v);
      return { hostId, bios: `v${v}`, at: new Date(t0 + 60_000 * (1 + Math.floor(i / HOSTS)) + (i % HOSTS)), id: randomUUID() };
    });
    const snapshotOf = (sp: (typeof specs)[number]) => ({ ...(report(sp.hostId, sp.bios, sp.at) as object), snapshotId: sp.id });
    await db.pool.query(`CREATE TABLE raw_bench (id uuid PRIMARY KEY, host_id uuid, collected_at timestamptz, content_hash text, facts jsonb, verdicts jsonb)`);
    await runtime.start({ schedule: false, notifications: false });
    const done = async () => (await runtime.metrics.snapshots.get()).values.reduce((n, v) => n + v.value, 0);
    const extra: Proc[] = [];
    for (let i = 1; i < PROCS; i++) extra.push(startProcess(WORKER_MAIN, workerEnv(url, prefix)));
    stopExtra = () => Promise.all(extra.map((w) => w.stop())).then(() => undefined);
    for (const w of extra) {
      for (let t = 0; !w.output().includes('consuming with concurrency'); t++) {
        if (t > 300 || w.child.exitCode !== null) throw new Error(`a worker process did not start:\n${w.output()}`);
        await new Promise((res) => setTimeout(res, 100));
      }
    }
    // With several processes the queue itself is paused while a round is enqueued, and a round is over when
    // nothing is left in it (a job completes after its snapshots are committed).
    const drained = async () => {
      const c = await queue.getJobCounts('waiting', 'active', 'prioritized');
      return c.waiting + c.active + c.prioritized === 0;
    };
    const extraCpu = () => extra.reduce((sum, w) => sum + procCpuSec(w.child.pid!), 0);

    // Interleaved rounds (load from other processes hits both alike): enqueue a slice (untimed), drain it
    // with the worker (timed), then insert the same rows raw (timed).
    const session = PROFILE ? new Session() : undefined;
    if (session) {
      session.connect();
      await session.post('Profiler.enable');
    }
    let workerSec = 0;
    let rawSec = 0;
    let jobCount = 0;
    let itemCount = 0;
    const cpu = { node: 0, postgres: 0, redis: 0, rawNode: 0, rawPostgres: 0 };
    const per = Math.ceil(N / ROUNDS);
    // Round -1 is the untimed warm-up (the first WARMUP specs); rounds 0… are timed.
    for (let r = WARMUP > 0 ? -1 : 0; r < ROUNDS; r++) {
      const timed = r >= 0;
      const slice = timed ? specs.slice(WARMUP + r * per, WARMUP + (r + 1) * per) : specs.slice(0, WARMUP);
      await runtime.snapshotProcessor.pause();
      if (PROCS > 1) await queue.pause();
      // As the API enqueues: `snapshot.batch` jobs of up to BATCH snapshots and MAX_BATCH_BYTES (libs/queue
      // nextBatchLength, the API's own rule), each snapshot's JSON text spliced in.
      for (let i = 0; i < slice.length; i += BATCH * 16) {
        const jobs: Promise<string>[] = [];
        const chunk = slice.slice(i, Math.min(i + BATCH * 16, slice.length)).map((sp) => queuedItem(sp.hostId, snapshotOf(sp)));
        while (chunk.length > 0) {
          const items = chunk.splice(0, nextBatchLength(chunk.slice(0, BATCH).map(batchItemBytes), BATCH));
          if (timed) {
            jobCount++;
            itemCount += items.length;
          }
          jobs.push(addSnapshotBatch(queue, items));
        }
        await Promise.all(jobs);
      }
      const target = timed ? WARMUP + r * per + slice.length : WARMUP;
      if (session && timed) await session.post('Profiler.start');
      const s0 = serverCpu();
      const c0 = process.cpuUsage();
      const e0 = extraCpu();
      const t = process.hrtime.bigint();
      runtime.snapshotProcessor.resume();
      if (PROCS > 1) {
        await queue.resume();
        while (!(await drained())) await new Promise((res) => setTimeout(res, 20));
      } else {
        while ((await done()) < target) await new Promise((res) => setTimeout(res, 20));
      }
      const c1 = process.cpuUsage(c0);
      const sd = serverCpuDelta(s0, serverCpu());
      if (timed) {
        workerSec += Number(process.hrtime.bigint() - t) / 1e9;
        cpu.node += (c1.user + c1.system) / 1e6 + (extraCpu() - e0);
        cpu.postgres += sd.postgres;
        cpu.redis += sd.redis;
      }
      if (session && timed) writeFileSync(PROFILE!.replace(/(\.cpuprofile)?$/, `${MIXES.length > 1 ? `.mix${changed}` : ''}.round${r + 1}.cpuprofile`), JSON.stringify((await session.post('Profiler.stop')).profile));

      // Raw PostgreSQL on the same rows: multi-row INSERT, 500 rows a statement, same concurrency.
      const rows = slice.map((sp) => {
        const snap = SnapshotSchema.parse(snapshotOf(sp));
        const d = deriveSnapshot(snap);
        return [snap.snapshotId, sp.hostId, snap.collectedAt, d.contentHash, d.factsJson, d.verdictsJson];
      });
      const chunks: unknown[][][] = [];
      for (let i = 0; i < rows.length; i += 500) chunks.push(rows.slice(i, i + 500));
      let next = 0;
      const rs0 = serverCpu();
      const rc0 = process.cpuUsage();
      const rt = process.hrtime.bigint();
      await Promise.all(
        Array.from({ length: Math.min(CONCURRENCY, chunks.length) }, async () => {
          for (let c = chunks[next++]; c; c = chunks[next++]) {
            const values = c.map((_, k) => `($${k * 6 + 1}, $${k * 6 + 2}, $${k * 6 + 3}, $${k * 6 + 4}, $${k * 6 + 5}::jsonb, $${k * 6 + 6}::jsonb)`).join(',');
            await db.pool.query(`INSERT INTO raw_bench VALUES ${values}`, c.flat());
          }
        }),
      );
      const rc1 = process.cpuUsage(rc0);
      if (timed) {
        rawSec += Number(process.hrtime.bigint() - rt) / 1e9;
        cpu.rawNode += (rc1.user + rc1.system) / 1e6;
        cpu.rawPostgres += serverCpuDelta(rs0, serverCpu()).postgres;
      }
    }
    session?.disconnect();
    const outcomes = Object.fromEntries((await runtime.metrics.snapshots.get()).values.map((v) => [v.labels.outcome, v.value]));
    await stopExtra();
    await runtime.close();
    const workerRate = N / workerSec;
    const rawRate = N / rawSec;
    console.log(`worker: ${N} snapshots (${HOSTS} hosts, ${+(changed * 100).toFixed(2)}% changed, mode ${MODE}, ${ENCODING} items${HASHED ? ' with the API evidence hash' : ', no API evidence hash'}) at concurrency ${CONCURRENCY}, up to ${BATCH} a job (and 120 KiB), ${ROUNDS} interleaved rounds after an untimed warm-up round of ${WARMUP}; load average ${os.loadavg().map((x) => x.toFixed(1)).join(' ')} on ${os.cpus().length} CPUs`);
    console.log(`  outcomes (warm-up included)${PROCS > 1 ? ` (of this process; ${PROCS} worker processes drained)` : ''}: ${JSON.stringify(outcomes)}; ${itemCount} snapshots in ${jobCount} jobs (${(itemCount / Math.max(1, jobCount)).toFixed(1)} a job)`);
    const perJob = (sec: number) => ((1000 * sec) / N).toFixed(2);
    console.log(`  CPU ms per snapshot during the timed drains: ${PROCS > 1 ? `bench+worker process and ${PROCS - 1} more worker process(es)` : 'bench+worker process'} ${perJob(cpu.node)}, postgres ${perJob(cpu.postgres)}, redis ${perJob(cpu.redis)} (wall ${perJob(workerSec)}); raw baseline: node ${perJob(cpu.rawNode)}, postgres ${perJob(cpu.rawPostgres)} (wall ${perJob(rawSec)})`);
    console.log(`| normalized snapshots/s | raw pg multi-row INSERT rows/s | ratio |`);
    console.log(`| ${workerRate.toFixed(0)} | ${rawRate.toFixed(0)} | ${(workerRate / rawRate).toFixed(2)} |`);
    const ms = (sec: number) => (1000 * sec) / N;
    return { changed, workerRate, rawRate, cpu: { node: ms(cpu.node), postgres: ms(cpu.postgres), redis: ms(cpu.redis), wall: ms(workerSec), rawWall: ms(rawSec) } };
  } finally {
    await stopExtra().catch(() => undefined);
    await queue.close();
    await db.close();
    await dropDatabase(name);
    await deleteKeysByPrefix(prefix, REDIS_URL);
  }
}

async function all(): Promise<void> {
  const results: MixResult[] = [];
  for (const m of MIXES) {
    results.push(await main(m));
    console.log('');
  }
  if (results.length < 2) return;
  console.log(`Mixes (${N} timed snapshots each, ${HOSTS} hosts, mode ${MODE}, ${ENCODING} items; each mix its own database, warm-up and baseline):`);
  console.log('');
  console.log('| changed reports | normalized snapshots/s | raw pg multi-row INSERT rows/s | ratio | ms per snapshot: worker CPU / postgres CPU / redis CPU (wall; raw wall) |');
  console.log('|---|---|---|---|---|');
  const f2 = (x: number) => x.toFixed(2);
  for (const r of results) {
    console.log(`| ${+(r.changed * 100).toFixed(2)}% | ${r.workerRate.toFixed(0)} | ${r.rawRate.toFixed(0)} | ${f2(r.workerRate / r.rawRate)} | ${f2(r.cpu.node)} / ${f2(r.cpu.postgres)} / ${f2(r.cpu.redis)} (${f2(r.cpu.wall)}; ${f2(r.cpu.rawWall)}) |`);
  }
}

all().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
