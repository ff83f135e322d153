import { ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { ensureDatabase, migrate } from '../../libs/db/src/migrate/migrate';

/**
 * `npm start`: the main job on one machine. Applies migrations, makes local secrets once (kept in
 * `.virtcap/dev.env`, never committed), starts the API and the worker from built output, and feeds
 * them a simulated fleet (when `dist/tools/sim` exists) so a newcomer sees data within a minute.
 * Ctrl-C stops everything.
 */
const root = resolve(__dirname, '../../..');
const stateDir = join(root, '.virtcap');
const children: ChildProcess[] = [];

function devSecrets(): Record<string, string> {
  const file = join(stateDir, 'dev.env');
  if (!existsSync(file)) {
    mkdirSync(stateDir, { recursive: true });
    const lines = [
      `VIRTCAP_ENROLL_SECRET=${randomBytes(24).toString('base64url')}`,
      `VIRTCAP_ADMIN_TOKEN=${randomBytes(24).toString('base64url')}`,
      `VIRTCAP_ALERT_WEBHOOK_SECRET=${randomBytes(24).toString('base64url')}`,
    ];
    writeFileSync(file, lines.join('\n') + '\n', { mode: 0o600 });
  }
  return Object.fromEntries(
    readFileSync(file, 'utf8')
      .split('\n')
      .filter((l) => l.includes('='))
      .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]),
  );
}

function run(name: string, script: string, args: string[], env: NodeJS.ProcessEnv): ChildProcess {
  const child = spawn(process.execPath, [join(root, script), ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  const prefix = name === 'sim' ? '' : `[${name}] `; // the simulator prefixes its own lines
  const pipe = (s: NodeJS.ReadableStream, out: NodeJS.WriteStream) => {
    let buf = '';
    s.on('data', (d: Buffer) => {
      buf += d.toString();
      let i;
      while ((i = buf.indexOf('\n')) >= 0) {
        out.write(prefix + buf.slice(0, i) + '\n');
        buf = buf.slice(i + 1);
      }
    });
  };
  pipe(child.stdout!, process.stdout);
  pipe(child.stderr!, process.stderr);
  child.on('exit', (code, signal) => {
    if (!shuttingDown) {
      console.error(`${prefix}exited (${signal ?? code}); stopping everything`);
      shutdown(1);
    }
  });
  children.push(child);
  return child;
}

let shuttingDown = false;
function shutdown(code: number): void {
  if (shuttingDown) return;
  shuttingDown = true;
  for (const c of children) c.kill('SIGTERM');
  setTimeout(() => process.exit(code), 3000).unref();
  Promise.all(children.map((c) => new Promise((r) => (c.exitCode !== null ? r(null) : c.on('exit', r))))).then(() => process.exit(code));
}

async function waitReady(url: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = '';
  while (Date.now() < deadline) {
    try {
      const res = await fetch(url);
      if (res.ok) return;
      last = await res.text();
    } catch (e) {
      last = (e as Error).message;
    }
    await new Promise((r) => setTimeout(r, 300));
  }
  throw new Error(`${url} not ready after ${timeoutMs} ms: ${last}`);
}

async function main(): Promise<void> {
  const env: NodeJS.ProcessEnv = { ...devSecrets(), ...process.env };
  env.DATABASE_URL ||= 'postgresql://postgres@127.0.0.1:5432/virtcap';
  env.REDIS_URL ||= 'redis://127.0.0.1:6379';
  env.PORT ||= '8080';
  if (await ensureDatabase(env.DATABASE_URL)) console.log(`created database ${new URL(env.DATABASE_URL).pathname.slice(1)}`);
  const { applied } = await migrate(env.DATABASE_URL, join(root, 'prisma/migrations'), (l) => console.log(`[migrate] ${l}`));
  console.log(`[migrate] ${applied.length} migration(s) applied`);

  const api = `http://127.0.0.1:${env.PORT}`;
  const sim = join(root, 'dist/tools/sim/main.js');
  const receiverPort = Number(env.VIRTCAP_DEMO_WEBHOOK_PORT || 9099);
  if (existsSync(sim) && !env.VIRTCAP_ALERT_WEBHOOK_URL) env.VIRTCAP_ALERT_WEBHOOK_URL = `http://127.0.0.1:${receiverPort}/alerts`;

  run('api', 'dist/apps/ingest-api/src/main.js', [], env);
  run('worker', 'dist/apps/worker/src/main.js', [], env);
  await waitReady(`${api}/readyz`, 30_000);

  console.log('');
  console.log(`virtcap is running:`);
  console.log(`  API           ${api}  (OpenAPI: ${api}/docs, health: ${api}/readyz, metrics: ${api}/metrics)`);
  console.log(`  read token    Authorization: Bearer ${env.VIRTCAP_ADMIN_TOKEN}   (admin; secrets in .virtcap/dev.env)`);
  console.log(`  try           curl -s -H "Authorization: Bearer $(grep ADMIN .virtcap/dev.env | cut -d= -f2)" ${api}/v1/fleet/summary`);
  console.log('');
  if (existsSync(sim)) {
    run('sim', 'dist/tools/sim/main.js', ['--server', api, '--hosts', env.VIRTCAP_DEMO_HOSTS || '300', '--scenario', 'demo', '--webhook-port', String(receiverPort)], env);
  } else {
    console.log('(no simulator build found: dist/tools/sim/main.js; the API and worker run without a demo fleet)');
  }
}

process.on('SIGINT', () => shutdown(0));
process.on('SIGTERM', () => shutdown(0));
main().catch((e: unknown) => {
  console.error(`start failed: ${e instanceof Error ? e.message : String(e)}`);
  shutdown(1);
});
