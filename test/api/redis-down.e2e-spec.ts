import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { ChildProcess, spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { snapshotBody } from '../../bench/ingest-bodies';
import { Api, bearer, enroll, startApi } from './harness';

// Our own throwaway redis-server (never the shared one on 6379), killed in the middle of the test.
let redis: ChildProcess | undefined;
let api: Api;

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

async function startRedis(port: number): Promise<ChildProcess> {
  const child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--daemonize', 'no'], { stdio: ['ignore', 'pipe', 'pipe'] });
  await new Promise<void>((resolve, reject) => {
    const t = setTimeout(() => reject(new Error('redis-server did not start')), 5000);
    child.stdout?.on('data', (d: Buffer) => {
      if (d.toString().includes('Ready to accept connections')) {
        clearTimeout(t);
        resolve();
      }
    });
    child.once('exit', (code) => reject(new Error(`redis-server exited with ${code}`)));
  });
  return child;
}

beforeAll(async () => {
  const port = await freePort();
  redis = await startRedis(port);
  api = await startApi({ REDIS_URL: `redis://127.0.0.1:${port}` });
});
afterAll(async () => {
  if (redis && redis.exitCode === null) redis.kill('SIGKILL');
  await api?.close();
});

describe('Redis down', () => {
  it('answers 503 with Retry-After (never 500, never a silent 202) and /readyz names redis', async () => {
    const { token } = await enroll(api, 'm-redis-down');
    const before = await api.inject({ method: 'POST', url: '/v1/snapshots', headers: bearer(token), payload: snapshotBody('m-redis-down') });
    expect(before.statusCode).toBe(202);
    expect((await api.inject({ method: 'GET', url: '/readyz' })).statusCode).toBe(200);

    const exited = new Promise((r) => redis!.once('exit', r));
    redis!.kill('SIGKILL');
    await exited;

    const res = await api.inject({ method: 'POST', url: '/v1/snapshots', headers: bearer(token), payload: snapshotBody('m-redis-down') });
    expect(res.statusCode).toBe(503);
    expect(res.headers['retry-after']).toBe('10');
    expect(res.json().error).toBe('unavailable');
    expect(res.json().message).toContain('Redis');

    const ready = await api.inject({ method: 'GET', url: '/readyz' });
    expect(ready.statusCode).toBe(503);
    expect(ready.json().checks.redis.status).toBe('down');
    expect(ready.json().checks.postgres.status).toBe('up');
    expect(ready.json().message).toBe('redis is down');

    // Enrollment and reads only need PostgreSQL and keep working.
    expect((await enroll(api, 'm-redis-down-2')).token).toMatch(/^vca_/);
  });
});
