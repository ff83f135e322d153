/**
 * `npm run bench:ingest`: throughput of POST /v1/snapshots on the real API (built output, child process)
 * against a bare Fastify 5 route that only parses the same JSON body (child process), same machine, same
 * run. autocannon (in this process) drives 64 connections on loopback for 20 s per target (four interleaved
 * rounds of 5 s, so load from other processes hits both alike; BENCH_DURATION_S, BENCH_ROUNDS), after a 2 s
 * warm-up, with ~22 KB snapshot bodies built from corpus captures (the agent's wire JSON) and a unique
 * snapshotId per request, gzip-compressed as agents send them (`--identity`: plain JSON bodies). A throwaway
 * database and Redis prefix are created and removed. Results are printed and appended to
 * docs/benchmarks.md under "## Ingest API (npm run bench:ingest)".
 *
 * The API runs with VIRTCAP_RATE_LIMIT_PER_MINUTE raised (one bench host sends thousands per second) and
 * the snapshots queue is drained every second (no worker runs; 22 KB jobs would otherwise fill Redis).
 */
import { ChildProcess, spawn } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { cpus } from 'node:os';
import { crc32, deflateRawSync, gunzipSync, gzipSync } from 'node:zlib';
import { join, resolve } from 'node:path';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { migrate } from '../libs/db/src/migrate/migrate';
import { admin, dropDatabase, urlFor } from '../libs/db/src/testing/pg-admin';
import { QueueName } from '../libs/queue/src';
import { deleteKeysByPrefix, TEST_REDIS_URL } from '../libs/queue/src/testing/test-redis';
import { freePort } from '../test/e2e/stack'; // a port the kernel gives out (a random pick can hit autocannon's own client ports)
import { snapshotBody } from './ingest-bodies';
import { snapshotWireJson } from '../libs/contracts/src';

interface Histogram {
  average: number;
  p50: number;
  p99: number;
}
interface AutocannonResult {
  requests: Histogram;
  latency: Histogram;
  non2xx: number;
  errors: number;
  timeouts: number;
  statusCodeStats: Record<string, { count: number }>;
}
type Autocannon = (opts: Record<string, unknown>) => Promise<AutocannonResult>;
const autocannon = createRequire(__filename)('autocannon') as Autocannon;

const ROOT = resolve(__dirname, '../..');
const CONNECTIONS = 64;
const DURATION_S = Number(process.env.BENCH_DURATION_S ?? 20);
/**
 * Default: send what agents send — `Content-Encoding: gzip` bodies (the body deflated at zlib's default level, as the
 * agent's spool writes it, but for the head that carries the snapshotId: see buildGzipPool), a unique snapshotId each; the bare route
 * then gunzips (async zlib, as the API does) before parsing: the same body. `--identity` (or BENCH_GZIP=0):
 * uncompressed JSON bodies (`--gzip` is accepted and is the default).
 */
const GZIP = !(process.argv.includes('--identity') || process.env.BENCH_GZIP === '0');
/** Snapshot ids with a gzip body built before the run: each API request takes the next one, so none is a resend while they last (the run says how many wrapped). */
const GZIP_POOL = Number(process.env.BENCH_GZIP_POOL ?? 1_000_000);
const WARMUP_S = 2;
/**
 * BENCH_RATE=N: offer N requests/s to each target instead of as many as it takes. Neither target nor the
 * machine is saturated then, so the CPU per request (printed for both) moves much less from run to run
 * than the saturated req/s: the figure for comparing two versions of the API.
 */
const FIXED_RATE = Number(process.env.BENCH_RATE ?? 0);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 4);
const ENROLL_SECRET = randomBytes(24).toString('hex');
const ADMIN_TOKEN = randomBytes(24).toString('hex');
const SECTION = '## Ingest API (npm run bench:ingest)';

const BARE_SERVER = `
const fastify = require('fastify')({ bodyLimit: 4 * 1024 * 1024 });
if (process.env.BARE_GZIP === '1') {
  const { gunzip } = require('node:zlib');
  fastify.addContentTypeParser('application/json', { parseAs: 'buffer' }, (req, body, done) => {
    if (req.headers['content-encoding'] !== 'gzip') return done(null, JSON.parse(body.toString()));
    gunzip(body, (err, out) => { if (err) return done(err); try { done(null, JSON.parse(out.toString())); } catch (e) { done(e); } });
  });
}
fastify.post('/v1/snapshots', async (req, reply) => {
  reply.code(202);
  return { snapshotId: req.body.snapshotId, status: 'queued' };
});
fastify.listen({ port: Number(process.env.PORT), host: '127.0.0.1' }).then(() => console.log('ready'));
process.on('SIGTERM', () => fastify.close().then(() => process.exit(0))); // a normal exit (writes --cpu-prof output)
`;

function startChild(args: string[], env: Record<string, string>): ChildProcess {
  const child = spawn(process.execPath, args, { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'ignore', 'inherit'] });
  child.on('exit', (code, sig) => {
    if (code !== 0 && code !== null) console.error(`child ${args[0]} exited with ${code ?? sig}`);
  });
  return child;
}

async function waitFor(url: string, timeoutMs = 30_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    try {
      const r = await fetch(url);
      if (r.status < 500 || r.status === 503) return;
    } catch {
      // not listening yet
    }
    if (Date.now() > until) throw new Error(`${url} did not come up within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 200));
  }
}



/** CPU time (user + system) of a process so far, in µs, from /proc/<pid>/stat (clock ticks of 10 ms). */
function procCpuUs(pid: number): number {
  const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(f[11]) + Number(f[12])) * 10_000;
}

/** CPU time of the Redis server so far, in µs (INFO cpu; the server is shared, so other clients count too). */
async function redisCpuUs(redis: Redis): Promise<number> {
  const info = await redis.info('cpu');
  const v = (k: string) => Number(new RegExp(`${k}:([\\d.]+)`).exec(info)?.[1] ?? NaN);
  return (v('used_cpu_user') + v('used_cpu_sys')) * 1e6;
}

interface Cpu {
  /** µs of CPU of the target process and of Redis, and answered requests, summed over rounds. */
  target: number;
  redis: number;
  answered: number;
}

/** One measured round: autocannon against a target, with the CPU its process and Redis used meanwhile. */
async function measured(pid: number, redis: Redis, cpu: Cpu, run: () => Promise<AutocannonResult>): Promise<AutocannonResult> {
  const [t0, r0] = [procCpuUs(pid), await redisCpuUs(redis)];
  const res = await run();
  const [t1, r1] = [procCpuUs(pid), await redisCpuUs(redis)];
  cpu.target += t1 - t0;
  cpu.redis += r1 - r0;
  cpu.answered += Object.entries(res.statusCodeStats).filter(([c]) => c.startsWith('2')).reduce((a, [, s]) => a + Number(s.count), 0);
  return res;
}

/** Stands for the snapshotId in {@link bodyTemplate}; every request gets its own id in its place. */
const ID_PLACEHOLDER = '00000000-0000-4000-8000-000000000000';
const templates = new Map<string, string>();
/** The agent's wire JSON of the bench snapshot for `machineId`, with {@link ID_PLACEHOLDER} as its id (built once per run). */
function bodyTemplate(machineId: string): string {
  let t = templates.get(machineId);
  if (t === undefined) {
    t = snapshotWireJson(snapshotBody(machineId, { dir: 'amd-broken-ivrs', snapshotId: ID_PLACEHOLDER }));
    templates.set(machineId, t);
  }
  return t;
}

/**
 * Gzip bodies (GZIP mode), each with its own snapshotId, as single-member gzip streams (RFC 1952) that any
 * gunzip reads: the gzip header, a stored (uncompressed) deflate block holding the body up to and including
 * the snapshotId, the rest of the body deflated ONCE at zlib's default level (as the agent's spool writes
 * it; a fresh deflate stream never refers back past its own start, so it may follow any byte-aligned
 * blocks), and the CRC-32 and length of the whole body. Building one costs a CRC over 22 KB (~4 µs), so
 * the pool holds far more ids than a run sends (session 3's pool of 120,000 fully gzipped bodies ran out
 * on a faster machine, and the API's later requests were resends answered `duplicate`). The API takes ids
 * in order (`apiNext`): all its answers are `queued` unless the pool wraps (counted and printed); the bare
 * route, which does not care, cycles on its own cursor. Both get the same bytes per id, assembled per
 * request (one 4.6 KB copy in the load generator, for both targets alike).
 */
const GZIP_HEADER = Buffer.from([0x1f, 0x8b, 0x08, 0x00, 0, 0, 0, 0, 0x00, 0xff]); // deflate, no flags, no mtime, OS unknown
let gzipHeads = Buffer.alloc(0); // GZIP_POOL stored blocks of `headLen` bytes: 0x00, LEN, NLEN, body head with the snapshotId
let gzipTrailers = Buffer.alloc(0); // GZIP_POOL × (CRC-32, ISIZE), little-endian
let gzipTail = Buffer.alloc(0); // the rest of the body, raw deflate, final block
let headLen = 0;
let apiNext = 0;
let bareNext = 0;

function buildGzipPool(template: string): void {
  const at = template.indexOf(ID_PLACEHOLDER) + ID_PLACEHOLDER.length;
  const head = Buffer.from(template.slice(0, at));
  const tail = Buffer.from(template.slice(at));
  gzipTail = deflateRawSync(tail);
  headLen = 5 + head.length;
  gzipHeads = Buffer.alloc(GZIP_POOL * headLen);
  gzipTrailers = Buffer.alloc(GZIP_POOL * 8);
  const isize = (head.length + tail.length) >>> 0;
  const idAt = head.length - ID_PLACEHOLDER.length;
  for (let i = 0; i < GZIP_POOL; i++) {
    const o = i * headLen;
    head.write(randomUUID(), idAt, 'latin1');
    gzipHeads[o] = 0x00; // BFINAL 0, BTYPE 00 (stored); the rest of the byte is padding
    gzipHeads.writeUInt16LE(head.length, o + 1);
    gzipHeads.writeUInt16LE(~head.length & 0xffff, o + 3);
    head.copy(gzipHeads, o + 5);
    gzipTrailers.writeUInt32LE(crc32(tail, crc32(head)) >>> 0, i * 8);
    gzipTrailers.writeUInt32LE(isize, i * 8 + 4);
  }
}

/** What the agent's own gzipSync makes of the same body (bytes), for the record; set by {@link checkGzipPool}. */
let agentGzipBytes = 0;

/** Refuses to run with bodies that do not inflate to the template with their own id (first, last and one between). */
function checkGzipPool(template: string): void {
  for (const i of [0, Math.floor(GZIP_POOL / 2), GZIP_POOL - 1]) {
    const text = gunzipSync(gzipBody(i)).toString('utf8');
    const id = (JSON.parse(text) as { snapshotId: string }).snapshotId;
    if (text !== template.replace(ID_PLACEHOLDER, id) || id === ID_PLACEHOLDER) throw new Error(`gzip pool body ${i} does not inflate to the template with its own snapshotId`);
  }
  agentGzipBytes = gzipSync(template).length;
}

/** The gzip body of pool id `i` (see {@link buildGzipPool}). */
function gzipBody(i: number): Buffer {
  const k = i % GZIP_POOL;
  return Buffer.concat([GZIP_HEADER, gzipHeads.subarray(k * headLen, (k + 1) * headLen), gzipTail, gzipTrailers.subarray(k * 8, k * 8 + 8)]);
}

async function cannon(url: string, token: string | null, machineId: string, seconds: number): Promise<AutocannonResult> {
  // The body is a template with the snapshotId spliced in per request (cheap: no JSON.stringify per request).
  const [head, tail] = bodyTemplate(machineId).split(ID_PLACEHOLDER);
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (GZIP) headers['content-encoding'] = 'gzip';
  if (token) headers.authorization = `Bearer ${token}`;
  const body = !GZIP ? () => head + randomUUID() + tail : token ? () => gzipBody(apiNext++) : () => gzipBody(bareNext++);
  return autocannon({
    url,
    connections: CONNECTIONS,
    ...(FIXED_RATE > 0 ? { overallRate: FIXED_RATE } : {}),
    duration: seconds,
    method: 'POST',
    headers,
    requests: [{ method: 'POST', setupRequest: (req: Record<string, unknown>) => ({ ...req, body: body() }) }],
  });
}

/** Rounds of equal length: req/s averaged, p50/p99 averaged over rounds, status codes and errors summed. */
function combine(rounds: AutocannonResult[]): AutocannonResult {
  const mean = (f: (r: AutocannonResult) => number) => Math.round((rounds.reduce((a, r) => a + f(r), 0) / rounds.length) * 10) / 10;
  const codes: Record<string, { count: number }> = {};
  for (const r of rounds) for (const [c, s] of Object.entries(r.statusCodeStats)) codes[c] = { count: (codes[c]?.count ?? 0) + Number(s.count) };
  return {
    requests: { average: mean((r) => r.requests.average), p50: 0, p99: 0 },
    latency: { average: mean((r) => r.latency.average), p50: mean((r) => r.latency.p50), p99: mean((r) => r.latency.p99) },
    non2xx: rounds.reduce((a, r) => a + r.non2xx, 0),
    errors: rounds.reduce((a, r) => a + r.errors, 0),
    timeouts: rounds.reduce((a, r) => a + r.timeouts, 0),
    statusCodeStats: codes,
  };
}

function row(name: string, r: AutocannonResult): string {
  const codes = Object.entries(r.statusCodeStats).map(([c, s]) => `${c}×${s.count}`).join(' ');
  return `| ${name} | ${Math.round(r.requests.average)} | ${r.latency.p50} | ${r.latency.p99} | ${codes}${r.errors ? `, ${r.errors} errors` : ''} |`;
}

function appendToDocs(lines: string[]): void {
  const file = join(ROOT, 'docs/benchmarks.md');
  let text = existsSync(file) ? readFileSync(file, 'utf8') : '# Benchmarks\n';
  const start = text.indexOf(SECTION);
  if (start < 0) {
    text = `${text.trimEnd()}\n\n${SECTION}\n\n${lines.join('\n')}\n`;
  } else {
    const next = text.indexOf('\n## ', start + SECTION.length);
    const end = next < 0 ? text.length : next + 1;
    text = `${text.slice(0, end).trimEnd()}\n\n${lines.join('\n')}\n${next < 0 ? '' : '\n' + text.slice(end)}`;
  }
  writeFileSync(file, text);
}

async function main(): Promise<void> {
  const id = `${Date.now().toString(36)}${randomBytes(3).toString('hex')}`;
  const dbName = `virtcap_bench_${id}`;
  const prefix = `virtcap_bench_${id}`;
  const children: ChildProcess[] = [];
  let queue: Queue | undefined;
  let drainTimer: NodeJS.Timeout | undefined;
  let redisInfo: Redis | undefined;
  await admin((c) => c.query(`CREATE DATABASE "${dbName}"`));
  try {
    await migrate(urlFor(dbName), join(ROOT, 'prisma/migrations'));
    const apiPort = await freePort();
    const barePort = await freePort();
    children.push(
      startChild([...(process.env.BENCH_API_NODE_ARGS ?? '').split(' ').filter(Boolean), 'dist/apps/ingest-api/src/main.js'], {
        DATABASE_URL: urlFor(dbName),
        REDIS_URL: TEST_REDIS_URL,
        VIRTCAP_QUEUE_PREFIX: prefix,
        VIRTCAP_ENROLL_SECRET: ENROLL_SECRET,
        VIRTCAP_ADMIN_TOKEN: ADMIN_TOKEN,
        VIRTCAP_RATE_LIMIT_PER_MINUTE: '1000000000',
        HOST: '127.0.0.1',
        PORT: String(apiPort),
        LOG_LEVEL: 'warn',
        NODE_ENV: 'production',
      }),
      startChild([...(process.env.BENCH_BARE_NODE_ARGS ?? '').split(' ').filter(Boolean), '-e', BARE_SERVER], { PORT: String(barePort), BARE_GZIP: GZIP ? '1' : '0' }),
    );
    const api = `http://127.0.0.1:${apiPort}`;
    const bare = `http://127.0.0.1:${barePort}`;
    await Promise.all([waitFor(`${api}/healthz`), waitFor(`${bare}/`)]);
    const machineId = `bench-${id}`;
    const enrolled = await fetch(`${api}/v1/enroll`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ enrollSecret: ENROLL_SECRET, hostname: 'bench-host', machineId }),
    });
    if (enrolled.status !== 201) throw new Error(`enroll: ${enrolled.status} ${await enrolled.text()}`);
    const { token } = (await enrolled.json()) as { token: string };

    const u = new URL(TEST_REDIS_URL);
    queue = new Queue(QueueName.Snapshots, { connection: { host: u.hostname, port: Number(u.port || 6379) }, prefix });
    const q = queue;
    redisInfo = new Redis(TEST_REDIS_URL, { maxRetriesPerRequest: 1 });
    drainTimer = setInterval(() => void q.drain().catch(() => undefined), 1000);

    if (GZIP) {
      console.log(`building ${GZIP_POOL} gzip bodies…`);
      buildGzipPool(bodyTemplate(machineId));
      checkGzipPool(bodyTemplate(machineId));
    }
    console.log(`warm-up ${WARMUP_S} s each…`);
    await cannon(`${bare}/v1/snapshots`, null, machineId, WARMUP_S);
    await cannon(`${api}/v1/snapshots`, token, machineId, WARMUP_S);
    // Interleaved rounds, so load from other processes on the machine hits both targets alike.
    const bareRounds: AutocannonResult[] = [];
    const apiRounds: AutocannonResult[] = [];
    const bareCpu: Cpu = { target: 0, redis: 0, answered: 0 };
    const apiCpu: Cpu = { target: 0, redis: 0, answered: 0 };
    const roundS = DURATION_S / ROUNDS;
    for (let i = 0; i < ROUNDS; i++) {
      console.log(`round ${i + 1}/${ROUNDS}: bare Fastify then the API, ${CONNECTIONS} connections, ${roundS} s each…`);
      bareRounds.push(await measured(children[1]!.pid!, redisInfo, bareCpu, () => cannon(`${bare}/v1/snapshots`, null, machineId, roundS)));
      apiRounds.push(await measured(children[0]!.pid!, redisInfo, apiCpu, () => cannon(`${api}/v1/snapshots`, token, machineId, roundS)));
    }
    const per = (us: number, c: Cpu) => us / Math.max(1, c.answered);
    const bareUs = per(bareCpu.target, bareCpu);
    const apiUs = per(apiCpu.target, apiCpu);
    const redisUs = Math.max(0, per(apiCpu.redis, apiCpu) - per(bareCpu.redis, bareCpu)); // minus what Redis spends anyway (other clients, the drain timer)
    const cpuRatio = bareUs / (apiUs + redisUs);
    const bareRes = combine(bareRounds);
    const apiRes = combine(apiRounds);
    const ratio = apiRes.requests.average / bareRes.requests.average;
    // BullMQ numbers jobs from one counter: jobs made for the API's queued snapshots (warm-up included).
    const jobsMade = Number((await redisInfo.get(`${prefix}:${QueueName.Snapshots}:id`)) ?? 0);
    const snapshotsQueued = Number(await redisInfo.eval(`return #redis.call('KEYS', ARGV[1])`, 0, `${prefix}:ingest:seen:*`));
    const bodyBytes = bodyTemplate(machineId).length; // a real id has the placeholder's length
    const resent = GZIP ? Math.max(0, apiNext - GZIP_POOL) : 0; // API requests that reused a pool body (answered 'duplicate')

    const lines = [
      `Run ${new Date().toISOString()} — Node ${process.version}, ${cpus().length} CPUs (${cpus()[0]?.model ?? '?'}), autocannon ${CONNECTIONS} connections × ${DURATION_S} s per target on loopback in ${ROUNDS} interleaved rounds (after ${WARMUP_S} s warm-up; p50/p99 are the mean over rounds), ${bodyBytes}-byte snapshot bodies (test/fixtures/evidence-dirs/amd-broken-ivrs)${GZIP ? `, sent gzip-compressed (${gzipBody(0).length} bytes, the agent's gzip of it ${agentGzipBytes}; both targets gunzip; a pool of ${GZIP_POOL} bodies: the API got ${Math.min(apiNext, GZIP_POOL)} distinct snapshotIds${resent > 0 ? ` and ${resent} resends (answered duplicate: enlarge BENCH_GZIP_POOL)` : ', no resends'})` : ', identity encoding, unique snapshotId per request'}; API and bare server are child processes, autocannon shares the machine.`,
      '',
      '| target | req/s | p50 ms | p99 ms | status codes |',
      '|---|---|---|---|---|',
      row('bare Fastify 5, parse body only', bareRes),
      row('virtcap API POST /v1/snapshots (auth, zod, dedupe, enqueue)', apiRes),
      '',
      FIXED_RATE > 0
        ? `Both targets were offered ${FIXED_RATE} requests/s (BENCH_RATE): the req/s ratio says nothing here, the CPU per request below is the figure.`
        : `**Ratio API / bare: ${ratio.toFixed(2)}** (target ≥ 0.6).`,
      '',
      `Queue: ${snapshotsQueued} snapshots in ${jobsMade} \`snapshot.batch\` jobs (${(snapshotsQueued / Math.max(1, jobsMade)).toFixed(1)} a job).`,
      '',
      `CPU per answered request (the steadier figure on a shared machine: time waiting for a core is not counted): bare Fastify ${Math.round(bareUs)} µs; API process ${Math.round(apiUs)} µs + Redis ${Math.round(redisUs)} µs (Redis CPU during the API rounds minus during the bare rounds, per request) = ${Math.round(apiUs + redisUs)} µs. **CPU ratio bare / (API + Redis): ${cpuRatio.toFixed(2)}.**`,
    ];
    console.log('\n' + lines.join('\n'));
    if (process.env.BENCH_NO_DOCS !== '1') appendToDocs(lines);
  } finally {
    if (drainTimer) clearInterval(drainTimer);
    await queue?.close().catch(() => undefined); // cleanup continues below
    redisInfo?.disconnect();
    for (const c of children) if (c.exitCode === null) c.kill('SIGTERM');
    await new Promise((r) => setTimeout(r, 500));
    await dropDatabase(dbName);
    const n = await deleteKeysByPrefix(prefix);
    console.log(`cleaned up: dropped ${dbName}, deleted ${n} Redis keys under ${prefix}`);
  }
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
