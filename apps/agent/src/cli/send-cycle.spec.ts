import { describe, expect, it, afterEach } from '@jest/globals';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { AgentConfigSchema, type AgentConfig } from '../config/agent-config';
import { memoryLogger } from '../log';
import { Spool } from '../spool/spool';
import { saveToken } from '../state/token-store';
import { ScriptedServer, freePort } from '../testing/scripted-server';
import { testSnapshot } from '../testing/snapshots';
import { spoolAndSend, spoolDir } from './send-cycle';

const servers: ScriptedServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

async function setup(port: number, retry: Partial<{ maxAttempts: number; maxRetryAfter: number }> = {}) {
  const stateDir = await fs.mkdtemp(path.join(os.tmpdir(), 'virtcap-send-'));
  const server = `http://127.0.0.1:${port}`;
  await saveToken(stateDir, { hostId: 'h1', token: 'host-token-1', server, enrolledAt: '2026-01-01T00:00:00Z' });
  const cfg: AgentConfig = AgentConfigSchema.parse({
    server,
    stateDir,
    timeouts: { request: 2000 },
    retry: { maxAttempts: retry.maxAttempts ?? 2, baseDelay: 20, maxDelay: 50, maxRetryAfter: retry.maxRetryAfter ?? 5000 },
  });
  return cfg;
}

async function start(port: number, script: ConstructorParameters<typeof ScriptedServer>[0]) {
  const s = await new ScriptedServer(script).start(port);
  servers.push(s);
  return s;
}

const spoolNames = async (cfg: AgentConfig) => (await new Spool(spoolDir(cfg), { maxEntries: 100, maxBytes: 1e9 }, memoryLogger()).list()).map((e) => e.name);

describe('spool and replay', () => {
  it('server down, then 503 with Retry-After, then accepting: every snapshot arrives exactly once, in order', async () => {
    const port = await freePort();
    const cfg = await setup(port);
    const log = memoryLogger();
    const [a, b, c] = [testSnapshot(1), testSnapshot(2), testSnapshot(3)];

    const r1 = await spoolAndSend(cfg, a, log);
    expect(r1.code).toBe(0);
    expect(r1.result?.stoppedBecause).toBe('unavailable');
    const r2 = await spoolAndSend(cfg, b, log);
    expect(r2.result?.remaining).toBe(2);
    expect(await spoolNames(cfg)).toEqual([expect.stringContaining(a.snapshotId), expect.stringContaining(b.snapshotId)]);
    expect(log.lines.some((l) => l.includes('server unavailable') && l.includes('ECONNREFUSED'))).toBe(true);

    const server = await start(port, (req) =>
      req.n === 0 ? { status: 503, headers: { 'Retry-After': '1' }, body: { error: 'busy' } } : { status: 202, body: { snapshotId: 'x', status: 'queued' } },
    );
    const r3 = await spoolAndSend(cfg, c, log);
    expect(r3.code).toBe(0);
    expect(r3.result?.sent).toEqual([a.snapshotId, b.snapshotId, c.snapshotId]);
    expect(server.accepted).toEqual([a.snapshotId, b.snapshotId, c.snapshotId]);
    expect(server.requests.map((r) => (r.json as { snapshotId: string }).snapshotId)).toEqual([a.snapshotId, a.snapshotId, b.snapshotId, c.snapshotId]);
    // Retry-After: 1 was honoured (not the 20-50 ms backoff).
    expect(server.requests[1]!.at - server.requests[0]!.at).toBeGreaterThanOrEqual(950);
    const h = server.requests[0]!.headers;
    expect([h['content-type'], h['content-encoding'], h.authorization, h['idempotency-key']]).toEqual([
      'application/json', 'gzip', 'Bearer host-token-1', a.snapshotId,
    ]);
    expect(server.requests[0]!.url).toBe('/v1/snapshots');
    expect(await spoolNames(cfg)).toEqual([]);
  });

  it('honours Retry-After given as an HTTP date on 429', async () => {
    const cfg = await setup(await freePort());
    const server = await start(0, (req) =>
      req.n === 0 ? { status: 429, headers: { 'Retry-After': new Date(Date.now() + 2000).toUTCString() } } : { status: 202, body: { status: 'queued' } },
    );
    const s = testSnapshot(1);
    const res = await spoolAndSend({ ...cfg, server: server.url }, s, memoryLogger());
    expect(res.result?.sent).toEqual([s.snapshotId]);
    // The date has one-second precision, so the wait is between 1 and 2 seconds.
    expect(server.requests[1]!.at - server.requests[0]!.at).toBeGreaterThanOrEqual(900);
  });

  it('a Retry-After longer than the limit keeps the snapshot for the next run instead of sleeping', async () => {
    const cfg = await setup(await freePort(), { maxRetryAfter: 1000 });
    const server = await start(0, () => ({ status: 503, headers: { 'Retry-After': '3600' } }));
    const log = memoryLogger();
    const res = await spoolAndSend({ ...cfg, server: server.url }, testSnapshot(1), log);
    expect(res.result?.stoppedBecause).toBe('unavailable');
    expect(server.requests).toHaveLength(1);
    expect(log.lines.some((l) => l.includes('retry after 3600 s'))).toBe(true);
    expect(await spoolNames(cfg)).toHaveLength(1);
  });

  it('resends with the same snapshotId when the answer is lost; the server sees the same id twice', async () => {
    const cfg = await setup(await freePort(), { maxAttempts: 3 });
    const seen = new Set<string>();
    const server = await start(0, (req) => {
      const id = (req.json as { snapshotId: string }).snapshotId;
      if (req.n === 0) {
        seen.add(id);
        return { destroy: true };
      }
      return { status: 202, body: { snapshotId: id, status: seen.has(id) ? 'duplicate' : 'queued' } };
    });
    const log = memoryLogger();
    const s = testSnapshot(1);
    const res = await spoolAndSend({ ...cfg, server: server.url }, s, log);
    expect(server.requests.map((r) => (r.json as { snapshotId: string }).snapshotId)).toEqual([s.snapshotId, s.snapshotId]);
    expect(res.result?.sent).toEqual([s.snapshotId]);
    expect(log.lines).toContain(`info: snapshot ${s.snapshotId} delivered (duplicate)`);
    expect(await spoolNames(cfg)).toEqual([]);
  });

  it('401 keeps every snapshot in the spool and says re-enrollment is needed', async () => {
    const cfg = await setup(await freePort());
    const server = await start(0, () => ({ status: 401, body: { error: 'TOKEN_REVOKED', message: 'token revoked' } }));
    const log = memoryLogger();
    await spoolAndSend({ ...cfg, server: server.url, retry: { ...cfg.retry, maxAttempts: 1 } }, testSnapshot(1), log);
    const res = await spoolAndSend({ ...cfg, server: server.url }, testSnapshot(2), log);
    expect(res.code).toBe(1);
    expect(res.result?.stoppedBecause).toBe('unauthorized');
    expect(server.requests).toHaveLength(2); // one per run: the drain stops at the first 401
    expect(await spoolNames(cfg)).toHaveLength(2);
    expect(log.lines.filter((l) => l.startsWith('error:') && l.includes('Re-enroll'))).toHaveLength(2);
  });

  it('other 4xx: moved to spool/rejected with the reason, and the next snapshot is still sent', async () => {
    const cfg = await setup(await freePort());
    const [bad, good] = [testSnapshot(1), testSnapshot(2)];
    const server = await start(0, (req) =>
      (req.json as { snapshotId: string }).snapshotId === bad.snapshotId
        ? { status: 422, body: { error: 'SCHEMA_UNSUPPORTED', message: 'schemaVersion 1 is retired' } }
        : { status: 202, body: { status: 'queued' } },
    );
    const c = { ...cfg, server: server.url };
    await spoolAndSend({ ...c, server: 'http://127.0.0.1:1' , retry: { ...c.retry, maxAttempts: 1 } }, bad, memoryLogger());
    const log = memoryLogger();
    const res = await spoolAndSend(c, good, log);
    expect(res.result?.rejected).toEqual([bad.snapshotId]);
    expect(res.result?.sent).toEqual([good.snapshotId]);
    const rejectedDir = path.join(spoolDir(cfg), 'rejected');
    const files = (await fs.readdir(rejectedDir)).sort();
    expect(files).toHaveLength(2);
    expect(files[0]).toContain(bad.snapshotId);
    const reason = await fs.readFile(path.join(rejectedDir, files[1]!), 'utf8');
    expect(reason).toContain('HTTP 422');
    expect(reason).toContain('schemaVersion 1 is retired');
    expect(log.lines.some((l) => l.startsWith('error:') && l.includes('rejected by the server'))).toBe(true);
    expect(await spoolNames(cfg)).toEqual([]);
  });

  it('not enrolled: the snapshot is spooled and the exit code says so', async () => {
    const stateDir = await fs.mkdtemp(path.join(os.tmpdir(), 'virtcap-send-'));
    const cfg = AgentConfigSchema.parse({ server: 'http://127.0.0.1:1', stateDir });
    const log = memoryLogger();
    const res = await spoolAndSend(cfg, testSnapshot(1), log);
    expect(res.code).toBe(1);
    expect(log.lines.some((l) => l.includes('not enrolled'))).toBe(true);
    expect(await spoolNames(cfg)).toHaveLength(1);
  });
});
