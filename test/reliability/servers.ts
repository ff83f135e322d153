import { ChildProcess, spawn } from 'node:child_process';
import { chownSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Client } from 'pg';
import { Redis } from 'ioredis';
import { ensureDatabase, migrate } from '../../libs/db/src/migrate/migrate';
import { execFileP, freePort, waitFor } from '../e2e/stack';

/**
 * Throwaway Redis and PostgreSQL servers on their own loopback ports, for tests that stop and start a
 * server (the shared ones on :6379 and :5432 are never touched). Each is a child of the test process.
 */

/** A `redis-server` child process on a free port; `stop()`/`start()` keep the port. */
export class RedisServer {
  private child: ChildProcess | undefined;
  private readonly dir: string;

  private constructor(
    readonly port: number,
    /** With `persist`, every write is in the append-only file before Redis answers (fsync always). */
    private readonly persist: boolean,
  ) {
    this.dir = mkdtempSync(join(tmpdir(), 'virtcap-redis-'));
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  static async start(opts: { persist?: boolean } = {}): Promise<RedisServer> {
    const r = new RedisServer(await freePort(), opts.persist ?? false);
    await r.start();
    return r;
  }

  async start(): Promise<void> {
    const args = ['--port', String(this.port), '--bind', '127.0.0.1', '--save', '', '--daemonize', 'no', '--dir', this.dir];
    args.push(...(this.persist ? ['--appendonly', 'yes', '--appendfsync', 'always'] : ['--appendonly', 'no']));
    const child = spawn('redis-server', args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout!.on('data', (d) => (out += d));
    child.stderr!.on('data', (d) => (out += d));
    this.child = child;
    await waitFor(`redis-server on :${this.port}`, async () => {
      if (child.exitCode !== null) throw new Error(`redis-server exited ${child.exitCode}: ${out.slice(-500)}`);
      return out.includes('Ready to accept connections');
    }, 15_000);
  }

  /** Stops the server (SIGKILL: nothing is flushed that was not already on disk). */
  async stop(signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    const child = this.child;
    this.child = undefined;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    await new Promise<void>((r) => {
      child.once('exit', () => r());
      child.kill(signal);
    });
  }

  /** A client of this server for the test itself. */
  client(): Redis {
    const c = new Redis(this.url, { maxRetriesPerRequest: 1, lazyConnect: false });
    c.on('error', () => undefined); // the test stops this server on purpose
    return c;
  }

  async destroy(): Promise<void> {
    await this.stop();
    rmSync(this.dir, { recursive: true, force: true });
  }
}

const PG_BIN = '/usr/lib/postgresql/15/bin';

/**
 * A PostgreSQL 15 cluster in a temp dir owned by `postgres` (PostgreSQL refuses to run as root), on a free
 * loopback port, trust auth; `stop()` is `pg_ctl stop -m fast` (clients are disconnected), `start()` brings
 * it back on the same port with the same data.
 */
export class PgCluster {
  private constructor(
    readonly port: number,
    private readonly dir: string,
  ) {}

  get data(): string {
    return join(this.dir, 'data');
  }

  url(db: string): string {
    return `postgresql://postgres@127.0.0.1:${this.port}/${db}`;
  }

  static async create(): Promise<PgCluster> {
    const dir = mkdtempSync(join(tmpdir(), 'virtcap-pg-'));
    const { uid, gid } = await postgresIds();
    chownSync(dir, uid, gid);
    const c = new PgCluster(await freePort(), dir);
    await asPostgres(join(PG_BIN, 'initdb'), ['-D', c.data, '-U', 'postgres', '--auth=trust', '--no-sync', '-E', 'UTF8', '--locale=C']);
    await c.start();
    return c;
  }

  async start(): Promise<void> {
    const opts = `-p ${this.port} -k ${this.dir} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=60`;
    await asPostgres(join(PG_BIN, 'pg_ctl'), ['-D', this.data, '-o', opts, '-l', join(this.dir, 'server.log'), '-w', '-t', '30', 'start']);
  }

  async stop(): Promise<void> {
    await asPostgres(join(PG_BIN, 'pg_ctl'), ['-D', this.data, '-m', 'fast', '-w', '-t', '30', 'stop']);
  }

  /** Creates `db` and applies the project's migrations to it. */
  async migratedDatabase(db: string): Promise<string> {
    const url = this.url(db);
    await ensureDatabase(url);
    await migrate(url, resolve('prisma/migrations'));
    return url;
  }

  async query<T extends Record<string, unknown>>(db: string, sql: string, params: unknown[] = []): Promise<T[]> {
    const c = new Client({ connectionString: this.url(db) });
    await c.connect();
    try {
      return (await c.query<T>(sql, params)).rows;
    } finally {
      await c.end();
    }
  }

  async destroy(): Promise<void> {
    await this.stop().catch(() => undefined); // already stopped, or the test failed before start
    rmSync(this.dir, { recursive: true, force: true });
  }
}

async function postgresIds(): Promise<{ uid: number; gid: number }> {
  const [{ stdout: uid }, { stdout: gid }] = await Promise.all([execFileP('id', ['-u', 'postgres']), execFileP('id', ['-g', 'postgres'])]);
  return { uid: Number(uid.trim()), gid: Number(gid.trim()) };
}

async function asPostgres(bin: string, args: string[]): Promise<void> {
  const runAs = process.getuid?.() === 0 ? ['runuser', ['-u', 'postgres', '--', bin, ...args]] as const : [bin, args] as const;
  try {
    await execFileP(runAs[0], [...runAs[1]], { cwd: '/tmp' });
  } catch (e) {
    const err = e as Error & { stderr?: string; stdout?: string };
    throw new Error(`${bin} ${args.join(' ')} failed: ${err.stderr || err.stdout || err.message}`, { cause: e });
  }
}

/** A temp directory for per-test state (agent state dirs, evidence dirs); the test removes it. */
export function workDir(name: string): string {
  const d = mkdtempSync(join(tmpdir(), `virtcap-rel-${name}-`));
  mkdirSync(d, { recursive: true });
  return d;
}
