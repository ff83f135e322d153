import { randomBytes } from 'node:crypto';
import { appendFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import type { Pool } from 'pg';
import { memoryLogger } from '../../apps/agent/src/log';
import { deliverSnapshot, type DeliveryOutcome } from '../../apps/agent/src/send/deliver';
import type { Snapshot } from '../../libs/contracts/src';
import { FleetClient, makeFleet, pool, type SimHost } from '../../tools/sim/fleet';
import { loadProfiles, type Profile } from '../../tools/sim/profiles';
import { API_MAIN, freePort, Proc, startProcess, waitFor, WORKER_MAIN } from '../e2e/stack';

/**
 * The pieces every fault scenario shares: the built API and worker as separate processes on a given
 * PostgreSQL/Redis, a simulated fleet (the simulator's hosts and profiles, the agent's delivery code), and
 * the tally each scenario prints: sent, accepted, stored, duplicates, lost.
 */

export interface Secrets {
  enroll: string;
  admin: string;
}

export const newSecrets = (): Secrets => ({ enroll: randomBytes(18).toString('base64url'), admin: randomBytes(18).toString('base64url') });

export interface StackOptions {
  databaseUrl: string;
  redisUrl: string;
  prefix: string;
  secrets: Secrets;
  port: number;
  env?: Record<string, string>;
}

/** The environment both apps run with in these tests (rate limit lifted: the fleet is tiny but busy). */
export function stackEnv(o: StackOptions): Record<string, string> {
  return {
    NODE_ENV: 'production',
    DATABASE_URL: o.databaseUrl,
    REDIS_URL: o.redisUrl,
    VIRTCAP_QUEUE_PREFIX: o.prefix,
    VIRTCAP_ENROLL_SECRET: o.secrets.enroll,
    VIRTCAP_ADMIN_TOKEN: o.secrets.admin,
    VIRTCAP_RATE_LIMIT_PER_MINUTE: '10000',
    PORT: String(o.port),
    HOST: '127.0.0.1',
    LOG_LEVEL: 'warn',
    WORKER_METRICS_PORT: '0',
    ...o.env,
  };
}

/** Starts the built API and waits until it answers `/healthz` (liveness: a dependency may be down on purpose). */
export async function startApi(env: Record<string, string>): Promise<Proc> {
  const api = startProcess(API_MAIN, env);
  const url = `http://127.0.0.1:${env.PORT}`;
  await waitFor('the API to answer /healthz', async () => (await fetch(`${url}/healthz`)).ok, 30_000).catch((e: Error) => {
    throw new Error(`${e.message}\nAPI output:\n${api.output()}`);
  });
  return api;
}

/**
 * Stops a process and waits for its exit; safe to call again on one already gone (also after a signal,
 * when Node leaves `exitCode` null).
 */
export function stop(p: Proc, signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
  const c = p.child;
  if (c.exitCode !== null || c.signalCode !== null) return Promise.resolve();
  return new Promise((r) => {
    c.once('exit', () => r());
    c.kill(signal);
  });
}

/** Starts the built worker and waits until it says it is consuming. */
export async function startWorker(env: Record<string, string>): Promise<Proc> {
  const w = startProcess(WORKER_MAIN, env);
  await waitFor('the worker to consume', async () => {
    if (w.child.exitCode !== null) throw new Error(`worker exited ${w.child.exitCode}`);
    return w.output().includes('consuming with concurrency');
  }, 30_000).catch((e: Error) => {
    throw new Error(`${e.message}\nworker output:\n${w.output()}`);
  });
  return w;
}

let profilesCache: Promise<Profile[]> | undefined;
const profiles = () => (profilesCache ??= loadProfiles('test/fixtures/evidence-dirs'));

/** A simulated fleet bound to one API: enrolls hosts and builds/sends their snapshots with the agent's code. */
export class Fleet {
  readonly log = memoryLogger();
  readonly client: FleetClient;

  private constructor(
    readonly apiUrl: string,
    readonly hosts: SimHost[],
    seed: number,
    secrets: Secrets,
  ) {
    this.client = new FleetClient(apiUrl, secrets.enroll, this.log, seed);
  }

  /** `count` hosts of the simulator's weighted profiles (or only `profile`), enrolled through the API. */
  static async enrolled(apiUrl: string, secrets: Secrets, count: number, opts: { profile?: string } = {}): Promise<Fleet> {
    const seed = randomBytes(4).readUInt32LE(0);
    const all = await profiles();
    const chosen = opts.profile ? all.filter((p) => p.name === opts.profile) : all;
    if (chosen.length === 0) throw new Error(`no profile ${opts.profile}`);
    const f = new Fleet(apiUrl, makeFleet(chosen, count, seed), seed, secrets);
    await pool(f.hosts, 4, async (h) => {
      if (!(await f.client.enroll(h))) throw new Error(`could not enroll ${h.hostname}: ${f.log.lines.slice(-3).join(' | ')}`);
    });
    return f;
  }

  /** A snapshot for each host as it is now (distinct ids; collectedAt = now). */
  snapshots(now = new Date()): Array<{ host: SimHost; snapshot: Snapshot }> {
    return this.hosts.map((host) => ({ host, snapshot: this.client.snapshotFor(host, now) }));
  }

  /**
   * POSTs one snapshot as the agent does (gzip, bearer, Idempotency-Key) with the agent's retry loop;
   * `attempts`/`maxRetryAfterMs` bound one delivery run, like the agent's per-run retry settings.
   */
  deliver(host: SimHost, snapshot: Snapshot, opts: { attempts?: number; baseDelayMs?: number; maxRetryAfterMs?: number } = {}): Promise<DeliveryOutcome> {
    return deliverSnapshot(gzipSync(JSON.stringify(snapshot)), snapshot.snapshotId, {
      server: this.apiUrl,
      token: host.token!,
      requestTimeoutMs: 10_000,
      maxAttempts: opts.attempts ?? 1,
      baseDelayMs: opts.baseDelayMs ?? 200,
      maxDelayMs: 2_000,
      maxRetryAfterMs: opts.maxRetryAfterMs ?? 0,
      log: this.log,
    });
  }
}

/** How many of `ids` are history rows, and how many rows exist beyond one per id. */
export async function storedSnapshots(pool: Pool, ids: readonly string[]): Promise<{ stored: number; duplicates: number }> {
  const { rows } = await pool.query<{ rows: number; distinct_ids: number }>(
    'SELECT count(*)::int AS rows, count(DISTINCT id)::int AS distinct_ids FROM snapshots WHERE id = ANY($1::uuid[])',
    [ids],
  );
  // Events are unique per (snapshot, type); a job that ran twice would show as extra event rows.
  const { rows: ev } = await pool.query<{ extra: number }>(
    'SELECT (count(*) - count(DISTINCT (snapshot_id, type)))::int AS extra FROM events WHERE snapshot_id = ANY($1::uuid[])',
    [ids],
  );
  return { stored: rows[0]!.distinct_ids, duplicates: rows[0]!.rows - rows[0]!.distinct_ids + ev[0]!.extra };
}

/** One scenario's counts; `lost` = accepted (or spooled) snapshots that never reached the database. */
export interface Tally {
  scenario: string;
  sent: number;
  accepted: number;
  stored: number;
  duplicates: number;
  lost: number;
  /** Scenario-specific counts (503s seen, jobs recovered, …). */
  notes: Record<string, number | string>;
}

/** The one-line summary every scenario prints (also appended to $TMPDIR/virtcap-reliability-summary.txt). */
export function report(t: Tally): string {
  const notes = Object.entries(t.notes).map(([k, v]) => `${k}=${v}`).join(' ');
  const line = `[reliability] ${t.scenario}: sent=${t.sent} accepted=${t.accepted} stored=${t.stored} duplicates=${t.duplicates} lost=${t.lost}${notes ? ` | ${notes}` : ''}`;
  process.stdout.write(line + '\n');
  appendFileSync(join(tmpdir(), 'virtcap-reliability-summary.txt'), `${new Date().toISOString()} ${line}\n`);
  return line;
}

export { freePort, waitFor };
