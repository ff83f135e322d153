import { describe, expect, it } from '@jest/globals';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { memoryLogger } from '../log';
import { drainSpool } from '../run/drain-spool';
import { deliverSnapshot } from '../send/deliver';
import { ScriptedServer } from '../testing/scripted-server';
import { testSnapshot } from '../testing/snapshots';
import { Spool } from './spool';

const tmp = () => fs.mkdtemp(path.join(os.tmpdir(), 'virtcap-spool-'));

describe(Spool.name, () => {
  it('writes entries atomically (no temp files left, mode 0600) holding the exact gzip request body', async () => {
    const dir = path.join(await tmp(), 'spool');
    const spool = new Spool(dir, { maxEntries: 10, maxBytes: 1e9 }, memoryLogger());
    const s = testSnapshot(1);
    const entry = await spool.add(s);
    expect(await fs.readdir(dir)).toEqual([entry.name]);
    expect((await fs.stat(entry.file)).mode & 0o777).toBe(0o600);
    expect(JSON.parse(gunzipSync(await fs.readFile(entry.file)).toString('utf8'))).toEqual(s);
    const read = await spool.read(entry);
    expect(read.ok && read.snapshotId).toBe(s.snapshotId);
  });

  it('lists oldest first and removes temp files a crash left behind', async () => {
    const dir = path.join(await tmp(), 'spool');
    const spool = new Spool(dir, { maxEntries: 10, maxBytes: 1e9 }, memoryLogger());
    const later = await spool.add(testSnapshot(5));
    const earlier = await spool.add(testSnapshot(2));
    await fs.writeFile(path.join(dir, '.tmp-half-written'), 'partial');
    expect((await spool.list()).map((e) => e.name)).toEqual([earlier.name, later.name]);
    expect(await fs.readdir(dir)).not.toContain('.tmp-half-written');
  });

  it('drops the oldest entries with a log line when the count bound is reached', async () => {
    const log = memoryLogger();
    const spool = new Spool(path.join(await tmp(), 'spool'), { maxEntries: 3, maxBytes: 1e9 }, log);
    const entries = [];
    for (let i = 1; i <= 5; i++) entries.push(await spool.add(testSnapshot(i)));
    expect((await spool.list()).map((e) => e.name)).toEqual(entries.slice(2).map((e) => e.name));
    const drops = log.lines.filter((l) => l.includes('dropped oldest snapshot'));
    expect(drops).toEqual([
      `warn: spool full (limit 3 snapshots, 1000000000 bytes): dropped oldest snapshot ${entries[0]!.name}`,
      `warn: spool full (limit 3 snapshots, 1000000000 bytes): dropped oldest snapshot ${entries[1]!.name}`,
    ]);
  });

  it('drops the oldest entries when the byte bound is reached', async () => {
    const log = memoryLogger();
    const probe = await new Spool(path.join(await tmp(), 'probe'), { maxEntries: 10, maxBytes: 1e9 }, log).add(testSnapshot(0));
    const spool = new Spool(path.join(await tmp(), 'spool'), { maxEntries: 100, maxBytes: probe.bytes * 2 + 10 }, log);
    const entries = [];
    for (let i = 1; i <= 4; i++) entries.push(await spool.add(testSnapshot(i)));
    expect((await spool.list()).map((e) => e.name)).toEqual(entries.slice(2).map((e) => e.name));
    expect(log.lines.filter((l) => l.includes('dropped oldest snapshot'))).toHaveLength(2);
  });

  it('corrupt entries found at replay are moved aside with a message and skipped; good ones are sent', async () => {
    const dir = path.join(await tmp(), 'spool');
    const log = memoryLogger();
    const spool = new Spool(dir, { maxEntries: 10, maxBytes: 1e9 }, log);
    const good1 = await spool.add(testSnapshot(1));
    const good2 = await spool.add(testSnapshot(9));
    const whole = gzipSync(Buffer.from(JSON.stringify(testSnapshot(3))));
    const corrupt = {
      [`00000000000002-000001-${'a'.repeat(8)}-aaaa-4aaa-8aaa-${'a'.repeat(12)}.json.gz`]: Buffer.from('not gzip at all'),
      [`00000000000003-000001-${'b'.repeat(8)}-bbbb-4bbb-8bbb-${'b'.repeat(12)}.json.gz`]: whole.subarray(0, whole.length - 9),
      [`00000000000004-000001-${'c'.repeat(8)}-cccc-4ccc-8ccc-${'c'.repeat(12)}.json.gz`]: gzipSync(Buffer.from('{"hello":"world"}')),
    };
    for (const [name, body] of Object.entries(corrupt)) await fs.writeFile(path.join(dir, name), body);
    await fs.writeFile(path.join(dir, 'stray-file.txt'), 'not ours');

    const server = await new ScriptedServer(() => ({ status: 202, body: { status: 'queued' } })).start();
    try {
      const result = await drainSpool(
        spool,
        (body, id) => deliverSnapshot(body, id, { server: server.url, token: 't', requestTimeoutMs: 2000, maxAttempts: 1, baseDelayMs: 10, maxDelayMs: 10, maxRetryAfterMs: 10, log }),
        log,
      );
      expect(result.corrupt.sort()).toEqual(Object.keys(corrupt).sort());
      expect(server.accepted).toEqual([(await snapshotIdOf(good1.name)), await snapshotIdOf(good2.name)]);
    } finally {
      await server.close();
    }
    const moved = (await fs.readdir(path.join(dir, 'corrupt'))).sort();
    expect(moved).toEqual(
      [...Object.keys(corrupt), 'stray-file.txt'].flatMap((n) => [n, `${n}.reason.txt`]).sort(),
    );
    const messages = log.lines.filter((l) => l.startsWith('warn:') && l.includes('is corrupt'));
    expect(messages).toHaveLength(4);
    expect(messages.find((m) => m.includes('cccc'))).toContain('not a valid snapshot');
    expect(await spool.list()).toEqual([]);
  });
});

async function snapshotIdOf(name: string): Promise<string> {
  return name.slice('00000000000000-000000-'.length, -'.json.gz'.length);
}
