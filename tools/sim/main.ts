import { createServer, Server } from 'node:http';
import { resolve } from 'node:path';
import { stderrLogger } from '../../apps/agent/src/log';
import { FleetClient, makeFleet, pool, rollOutVtdDisablingBios, SimHost } from './fleet';
import { loadProfiles } from './profiles';
import { Rng } from './rng';

/**
 * virtcap-sim: a simulated fleet that enrolls and reports through the real agent code and the real HTTP
 * API. Scenarios:
 *   demo    enroll, report, then a BIOS roll-out on one board that disables VT-d (fires the critical
 *           alert), SR-IOV VFs enabled on some hosts, a few hosts going stale, then steady reporting
 *   steady  every host reports at a fixed total rate (--rate snapshots/s) for --duration seconds
 */
const HELP = `usage: virtcap-sim --server URL [--hosts N] [--seed S] [--scenario demo|steady]
                   [--rate R] [--duration SECONDS] [--interval SECONDS] [--concurrency C]
                   [--webhook-port P] [--fixtures DIR]
Needs VIRTCAP_ENROLL_SECRET in the environment.`;

interface Opts {
  server: string;
  hosts: number;
  seed: number;
  scenario: 'demo' | 'steady';
  rate: number;
  duration: number;
  interval: number;
  concurrency: number;
  webhookPort?: number;
  fixtures: string;
}

function parseArgs(argv: string[]): Opts {
  const o: Record<string, string> = {};
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--help' || a === '-h') {
      console.log(HELP);
      process.exit(0);
    }
    if (!a.startsWith('--') || i + 1 >= argv.length) throw new Error(`unexpected argument ${a}\n${HELP}`);
    o[a.slice(2)] = argv[++i]!;
  }
  const num = (k: string, d: number) => {
    const v = o[k] === undefined ? d : Number(o[k]);
    if (!Number.isFinite(v) || v < 0) throw new Error(`--${k} must be a non-negative number`);
    return v;
  };
  if (!o.server) throw new Error(`--server is required\n${HELP}`);
  const scenario = (o.scenario ?? 'demo') as Opts['scenario'];
  if (!['demo', 'steady'].includes(scenario)) throw new Error(`--scenario must be demo or steady`);
  return {
    server: o.server.replace(/\/+$/, ''),
    hosts: num('hosts', 300),
    seed: num('seed', 42),
    scenario,
    rate: num('rate', 50),
    duration: num('duration', 0),
    interval: num('interval', 60),
    concurrency: num('concurrency', 16),
    webhookPort: o['webhook-port'] ? num('webhook-port', 0) : undefined,
    fixtures: resolve(o.fixtures ?? resolve(__dirname, '../../../test/fixtures/evidence-dirs')),
  };
}

/** A loopback receiver for the alert webhook, so the demo shows alerts arriving. */
function startReceiver(port: number): Server {
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (d) => (body += d));
    req.on('end', () => {
      try {
        const p = JSON.parse(body) as { transition?: string; alert?: { kind?: string; severity?: string; summary?: string }; host?: { hostname?: string } };
        console.log(`[alert ${p.transition ?? '?'}] ${p.alert?.severity ?? ''} ${p.alert?.kind ?? ''} on ${p.host?.hostname ?? '?'}: ${p.alert?.summary ?? ''}`);
      } catch {
        console.log(`[alert] (unparsed body of ${body.length} bytes)`);
      }
      res.writeHead(204).end();
    });
  });
  server.listen(port, '127.0.0.1');
  return server;
}

function progress(client: FleetClient, label: string): NodeJS.Timeout {
  const t = setInterval(() => {
    const s = client.stats;
    console.log(`[sim] ${label}: enrolled ${s.enrolled}, sent ${s.sent} (queued ${s.queued}, duplicate ${s.duplicate}, rejected ${s.rejected}, unavailable ${s.unavailable})`);
  }, 5000);
  t.unref();
  return t;
}

async function steadyLoop(client: FleetClient, hosts: SimHost[], opts: Opts, ratePerSec: number, stopAt: number): Promise<void> {
  const live = hosts.filter((h) => !h.stale && h.token);
  let i = 0;
  const started = Date.now();
  let sent = 0;
  const inflight = new Set<Promise<unknown>>();
  while (live.length > 0 && (stopAt === 0 || Date.now() < stopAt) && !stopping) {
    const due = Math.floor(((Date.now() - started) / 1000) * ratePerSec);
    while (sent < due && inflight.size < opts.concurrency * 4) {
      const h = live[i++ % live.length]!;
      const p = client.send(h).finally(() => inflight.delete(p));
      inflight.add(p);
      sent++;
    }
    await new Promise((r) => setTimeout(r, 20));
  }
  await Promise.all(inflight);
}

let stopping = false;

async function main(): Promise<void> {
  const opts = parseArgs(process.argv.slice(2));
  const secret = process.env.VIRTCAP_ENROLL_SECRET;
  if (!secret) throw new Error('VIRTCAP_ENROLL_SECRET is not set');
  const log = stderrLogger(false);
  const profiles = await loadProfiles(opts.fixtures);
  const hosts = makeFleet(profiles, opts.hosts, opts.seed);
  const client = new FleetClient(opts.server, secret, log, opts.seed);
  const receiver = opts.webhookPort ? startReceiver(opts.webhookPort) : undefined;
  const ticker = progress(client, opts.scenario);
  const stopAt = opts.duration > 0 ? Date.now() + opts.duration * 1000 : 0;

  console.log(`[sim] ${hosts.length} hosts (seed ${opts.seed}): ${profiles.map((p) => `${p.name} ${hosts.filter((h) => h.profile === p).length}`).join(', ')}`);
  await pool(hosts, opts.concurrency, (h) => client.enroll(h));
  console.log(`[sim] enrolled ${client.stats.enrolled} hosts`);

  if (opts.scenario === 'steady') {
    await steadyLoop(client, hosts, opts, opts.rate, stopAt);
  } else {
    await pool(hosts.filter((h) => h.token), opts.concurrency, (h) => client.send(h));
    console.log(`[sim] first reports sent: ${client.stats.queued} queued`);
    await new Promise((r) => setTimeout(r, 3000));

    const rng = new Rng(opts.seed + 1);
    const intel = profiles.find((p) => p.name === 'intel-vtd-sriov');
    const rollout = hosts.filter((h) => h.profile === intel && h.labels.datacenter === 'fra1' && h.labels.cluster === 'c1' && h.token);
    for (const h of rollout) rollOutVtdDisablingBios(h, rng);
    await pool(rollout, opts.concurrency, (h) => client.send(h));
    const board = intel?.board;
    console.log(`[sim] BIOS roll-out: ${rollout.length} ${board?.boardVendor} ${board?.boardName} hosts in fra1/c1 moved to BIOS ${intel?.biosVersions[1]?.[0]}, which disables VT-d`);

    const sriov = hosts.filter((h) => h.profile === intel && h.labels.datacenter === 'ams2' && h.token).slice(0, 10);
    for (const h of sriov) h.vfsEnabled = 4;
    await pool(sriov, opts.concurrency, (h) => client.send(h));
    console.log(`[sim] SR-IOV: 4 VFs enabled on ${sriov.length} ConnectX-4 Lx hosts in ams2`);

    const stale = hosts.filter((h) => h.token && !h.vtdDisabledByBios && rng.next() < 0.02);
    for (const h of stale) h.stale = true;
    console.log(`[sim] ${stale.length} hosts stop reporting (they go stale after VIRTCAP_STALE_AFTER)`);
    console.log(`[sim] steady reporting: every live host once per ${opts.interval}s`);
    const live = hosts.filter((h) => !h.stale && h.token).length;
    await steadyLoop(client, hosts, opts, live / Math.max(1, opts.interval), stopAt);
  }
  clearInterval(ticker);
  const s = client.stats;
  console.log(`[sim] done: enrolled ${s.enrolled}, sent ${s.sent}, queued ${s.queued}, duplicate ${s.duplicate}, rejected ${s.rejected}, unavailable ${s.unavailable}`);
  receiver?.close();
}

process.on('SIGINT', () => (stopping = true));
process.on('SIGTERM', () => (stopping = true));
main().catch((e: unknown) => {
  console.error(`virtcap-sim: ${e instanceof Error ? e.message : String(e)}`);
  process.exit(1);
});
