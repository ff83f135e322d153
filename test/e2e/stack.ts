import { ChildProcess, execFile, spawn } from 'node:child_process';
import { createServer, Server } from 'node:http';
import { AddressInfo } from 'node:net';
import { resolve } from 'node:path';
import { promisify } from 'node:util';

/**
 * Helpers for end-to-end tests that run the built apps as separate processes, exactly as `npm run
 * start:api` / `start:worker` and the agent bundle do (so `npm run build` must have run: `npm test` does).
 */
export const root = resolve('.');
export const API_MAIN = resolve(root, 'dist/apps/ingest-api/src/main.js');
export const WORKER_MAIN = resolve(root, 'dist/apps/worker/src/main.js');
export const AGENT = resolve(root, 'dist/agent/virtcap-agent.cjs');
export const execFileP = promisify(execFile);

export async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', () => r()));
  const port = (s.address() as AddressInfo).port;
  await new Promise((r) => s.close(r));
  return port;
}

export interface Proc {
  child: ChildProcess;
  output: () => string;
  /** Resolves once the process has exited, with its exit code or the signal that ended it. */
  exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  stop: (signal?: NodeJS.Signals) => Promise<number | null>;
}

/**
 * Runs a built entrypoint with `node`. `cwd` defaults to this checkout; `cleanEnv` starts from PATH
 * alone instead of this process's environment (as a container would).
 */
export function startProcess(script: string, env: NodeJS.ProcessEnv, opts: { cwd?: string; cleanEnv?: boolean } = {}): Proc {
  const base = opts.cleanEnv ? { PATH: process.env.PATH } : process.env;
  const child = spawn(process.execPath, [script], { cwd: opts.cwd, env: { ...base, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (out += d));
  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((r) => child.once('exit', (code, signal) => r({ code, signal })));
  return {
    child,
    output: () => out,
    exit,
    stop: async (signal = 'SIGTERM') => {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return (await exit).code;
    },
  };
}

export async function waitFor<T>(what: string, fn: () => Promise<T | undefined | false>, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastErr = '';
  while (Date.now() < deadline) {
    try {
      const v = await fn();
      if (v) return v;
    } catch (e) {
      lastErr = (e as Error).message;
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`timed out waiting for ${what}${lastErr ? `: ${lastErr}` : ''}`);
}

export interface Received {
  headers: Record<string, string | string[] | undefined>;
  body: string;
  at: number;
}

/** A loopback HTTP receiver for alert webhooks. */
export async function startReceiver(): Promise<{ server: Server; url: string; received: Received[] }> {
  const received: Received[] = [];
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (d) => (body += d));
    req.on('end', () => {
      received.push({ headers: req.headers, body, at: Date.now() });
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`, received };
}
