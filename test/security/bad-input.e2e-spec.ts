import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { randomUUID } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { snapshotBody } from '../../bench/ingest-bodies';
import { parseWorkerConfig } from '../../apps/worker/src/config/worker-config';
import { WorkerRuntime } from '../../apps/worker/src/worker-runtime';
import { findSnapshotJobs } from '../../libs/queue/src/testing/snapshot-jobs';
import { Api, ADMIN_TOKEN, bearer, enroll, ENROLL_SECRET, Res, startApi } from '../api/harness';

// Bad input against the real API (real PostgreSQL + Redis, a worker in process for the round trips):
// every case gets a 4xx whose body names what was wrong, and a good snapshot is accepted right after.
const LIMIT = 256 * 1024;
let api: Api;
let worker: WorkerRuntime;
let host: { hostId: string; token: string };
let reader: string;
const counts = { injected: 0, rejected4xx: 0, goodAfter: 0 };

beforeAll(async () => {
  api = await startApi({ VIRTCAP_BODY_LIMIT_BYTES: String(LIMIT), VIRTCAP_RATE_LIMIT_PER_MINUTE: '100000' });
  worker = new WorkerRuntime(
    api.tdb.db,
    { REDIS_URL: api.redisUrl, VIRTCAP_QUEUE_PREFIX: api.prefix, WORKER_CONCURRENCY: 4, VIRTCAP_STALE_AFTER: 3_600_000, VIRTCAP_ALERT_WEBHOOK_URL: undefined, VIRTCAP_ALERT_WEBHOOK_SECRET: undefined, VIRTCAP_ALERTMANAGER_URL: undefined },
    parseWorkerConfig({ WORKER_METRICS_PORT: '0' }),
  );
  await worker.start({ schedule: false });
  host = await enroll(api, 'm-bad-input');
  const t = await api.inject({ method: 'POST', url: '/v1/tokens', headers: bearer(ADMIN_TOKEN), payload: { role: 'reader', name: 'bad-input' } });
  reader = t.json().token;
});
afterAll(async () => {
  await worker?.close();
  await api?.close();
  console.log(`bad input: ${counts.injected} bad requests, ${counts.rejected4xx} answered 4xx, ${counts.goodAfter} good snapshots accepted right after`);
});

const post = (payload: string | Buffer | object, headers: Record<string, string> = {}, token = host.token) =>
  api.inject({ method: 'POST', url: '/v1/snapshots', headers: { ...bearer(token), 'content-type': 'application/json', ...headers }, payload: payload as string });

/** Asserts the 4xx and its error code, then that the process still accepts a good snapshot. */
async function rejected(res: Res, status: number, error: string): Promise<{ error: string; message: string; details?: { path: string; message: string }[] }> {
  counts.injected++;
  expect({ status: res.statusCode, error: res.json().error }).toEqual({ status, error });
  counts.rejected4xx++;
  const good = await post(snapshotBody('m-bad-input'));
  expect(good.statusCode).toBe(202);
  counts.goodAfter++;
  return res.json();
}

const body = () => snapshotBody('m-bad-input') as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

describe('bad input: each gets a 4xx naming what was wrong, and the API keeps serving', () => {
  it('malformed JSON: 400 invalid_json with the parser position; an empty body too', async () => {
    const j = await rejected(await post('{"schemaVersion": 1, "snapshotId": '), 400, 'invalid_json');
    expect(j.message).toMatch(/^the body is not valid JSON: .*(position|end of JSON)/);
    expect((await rejected(await post('{"a":1}}'), 400, 'invalid_json')).message).toContain('position 7');
    expect((await rejected(await post(''), 400, 'invalid_json')).message).toMatch(/empty|JSON/);
  });

  it('wrong content type and unknown content encoding: 415', async () => {
    const j = await rejected(await post('hostname=x', { 'content-type': 'application/x-www-form-urlencoded' }), 415, 'unsupported_media_type');
    expect(j.message).toContain('application/x-www-form-urlencoded');
    await rejected(await post(JSON.stringify(body()), { 'content-type': 'text/plain' }), 415, 'unsupported_media_type');
    expect((await rejected(await post(JSON.stringify(body()), { 'content-encoding': 'deflate' }), 415, 'unsupported_media_type')).message).toContain('deflate');
  });

  it('truncated and corrupt gzip: 400 invalid_gzip', async () => {
    const gz = gzipSync(JSON.stringify(body()));
    for (const cut of [10, gz.length / 2, gz.length - 4]) {
      const j = await rejected(await post(gz.subarray(0, Math.floor(cut)), { 'content-encoding': 'gzip' }), 400, 'invalid_gzip');
      expect(j.message).toMatch(/^the gzip body could not be decompressed/);
    }
    const corrupt = Buffer.from(gz);
    corrupt.fill(0x41, 20, 60);
    await rejected(await post(corrupt, { 'content-encoding': 'gzip' }), 400, 'invalid_gzip');
  });

  it('a gzip bomb (64 MiB of zeros in ~64 KiB) is 413 naming the decompressed limit, without inflating it', async () => {
    const bomb = gzipSync(Buffer.alloc(64 * 1024 * 1024, 0x30), { level: 9 });
    expect(bomb.length).toBeLessThan(LIMIT);
    const j = await rejected(await post(bomb, { 'content-encoding': 'gzip' }), 413, 'payload_too_large');
    expect(j.message).toBe(`decompressed body exceeds the limit of ${LIMIT} bytes`);
  });

  it('bodies over the limit: 413 naming the limit', async () => {
    const big = JSON.stringify({ ...body(), facts: { pad: 'x'.repeat(LIMIT) } });
    expect((await rejected(await post(big), 413, 'payload_too_large')).message).toContain(String(LIMIT));
    // also on enroll, which needs no token
    const res = await api.inject({ method: 'POST', url: '/v1/enroll', headers: { 'content-type': 'application/json' }, payload: JSON.stringify({ enrollSecret: ENROLL_SECRET, pad: 'y'.repeat(LIMIT) }) });
    expect((await rejected(res, 413, 'payload_too_large')).message).toContain(String(LIMIT));
  });

  it('deeply nested JSON (100,000 levels; 33 levels): 422 naming the path, not a stack overflow', async () => {
    const deep = '['.repeat(100_000) + ']'.repeat(100_000);
    const text = JSON.stringify({ ...body(), facts: { firmware: {}, deep: 0 } }).replace('"deep":0', `"deep":${deep}`);
    const j = await rejected(await post(text), 422, 'invalid_body');
    expect(j.details![0]).toEqual({ path: `facts.deep${'.0'.repeat(30)}`, message: 'nested deeper than 32 levels' });
    let nest: unknown = 'leaf';
    for (let i = 0; i < 33; i++) nest = { n: nest };
    await rejected(await post({ ...body(), facts: { nest } }), 422, 'invalid_body');
    // deep nesting is refused on every body, also before enrollment
    const e = await api.inject({ method: 'POST', url: '/v1/enroll', payload: `{"enrollSecret":${deep}}`, headers: { 'content-type': 'application/json' } });
    expect((await rejected(e, 422, 'invalid_body')).message).toContain('enrollSecret');
  });

  it('huge arrays: 422 naming the field whose bound they break; a body that is one big array is 422', async () => {
    const b = body();
    const many = Array.from({ length: 20_000 }, () => 'reason');
    const j = await rejected(await post({ ...b, verdicts: { hvm: { status: 'yes', reasons: many, evidence: [] } } }), 422, 'invalid_body');
    expect(j.message).toContain('verdicts.hvm.reasons');
    const labels = Object.fromEntries(Array.from({ length: 5000 }, (_, i) => [`k${i}`, 'v']));
    expect((await rejected(await post({ ...b, host: { ...b.host, labels } }), 422, 'invalid_body')).message).toContain('host.labels');
    const arr = await rejected(await post(JSON.stringify(new Array(100_000).fill(1))), 422, 'invalid_body');
    expect(arr.message).toBe('the body must be a JSON object (a snapshot)');
  });

  it('wrong types: 422 with every wrong field in details', async () => {
    const b = body();
    const j = await rejected(await post({ ...b, schemaVersion: '1', snapshotId: 42, collectedAt: true, bootId: [], host: { hostname: 7, machineId: null }, facts: 'x' }), 422, 'invalid_body');
    expect(j.details!.map((d) => d.path).sort()).toEqual(expect.arrayContaining(['bootId', 'collectedAt', 'facts', 'host.hostname', 'host.machineId', 'schemaVersion', 'snapshotId']));
    const e = await api.inject({ method: 'POST', url: '/v1/enroll', payload: { enrollSecret: ENROLL_SECRET, hostname: ['x'], machineId: {}, labels: 'a=b' } });
    expect((await rejected(e, 422, 'invalid_body')).details!.map((d) => d.path).sort()).toEqual(['hostname', 'labels', 'machineId']);
    const t = await api.inject({ method: 'POST', url: '/v1/tokens', headers: bearer(ADMIN_TOKEN), payload: { role: 'root', name: 1 } });
    expect((await rejected(t, 422, 'invalid_body')).details!.map((d) => d.path).sort()).toEqual(['name', 'role']);
  });

  it('unknown schema versions: 422 unsupported_schema_version naming the supported ones', async () => {
    for (const v of [0, 2, 99, -1, 1.5]) {
      const j = await rejected(await post({ ...body(), schemaVersion: v }), 422, 'unsupported_schema_version');
      expect(j.message).toBe(`schemaVersion ${v} is not supported; supported: 1`);
    }
    expect((await rejected(await post({ ...body(), schemaVersion: 'two' }), 422, 'invalid_body')).message).toContain('schemaVersion');
  });

  it('__proto__ and constructor.prototype keys: 422 naming the path, and no prototype pollution', async () => {
    const b = JSON.stringify(body());
    const cases = [
      [b.replace('{', '{"__proto__":{"polluted":"yes"},'), '__proto__'],
      [b.replace('"facts":{', '"facts":{"__proto__":{"polluted":"yes"},'), 'facts.__proto__'],
      [b.replace('"facts":{', '"facts":{"constructor":{"prototype":{"polluted":"yes"}},'), 'facts.constructor'],
      [b.replace('"labels":{', '"labels":{"__proto__":{"polluted":"yes"},'), 'host.labels.__proto__'],
    ];
    for (const [text, path] of cases) {
      const j = await rejected(await post(text), 422, 'invalid_body');
      expect(j.details!.map((d) => d.path)).toContain(path);
    }
    const e = await api.inject({ method: 'POST', url: '/v1/enroll', headers: { 'content-type': 'application/json' }, payload: `{"enrollSecret":"${ENROLL_SECRET}","hostname":"h","machineId":"m-proto","labels":{"__proto__":{"polluted":"yes"}}}` });
    expect((await rejected(e, 422, 'invalid_body')).details).toEqual([{ path: 'labels.__proto__', message: 'a "__proto__" key is not allowed' }]);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect((Object.prototype as Record<string, unknown>).polluted).toBeUndefined();
    // a harmless "constructor" value is data, not a gadget
    expect((await post({ ...body(), facts: { constructor: 'x' } })).statusCode).toBe(202);
  });

  it('NUL characters and lone surrogates in strings or keys: 422 naming the field (PostgreSQL could not store them)', async () => {
    const b = body();
    const cases: [object, string, RegExp][] = [
      [{ ...b, host: { ...b.host, hostname: 'xen\u0000-01' } }, 'host.hostname', /NUL character/],
      [{ ...b, facts: { ...b.facts, note: 'a\u0000b' } }, 'facts.note', /NUL character/],
      [{ ...b, facts: { ...b.facts, ['k\u0000']: 1 } }, 'facts.k\u0000', /key contains a NUL/],
      [{ ...b, evidence: { ...b.evidence, 'xl-info.txt': 'release : 5.10\u0000\u0000' } }, 'evidence.xl-info.txt', /NUL character/],
      [{ ...b, facts: { ...b.facts, firmware: { biosVersion: 'A\ud800B' } } }, 'facts.firmware.biosVersion', /unpaired UTF-16 surrogate \(\\ud800\)/],
      [{ ...b, host: { ...b.host, labels: { rack: '\udc00' } } }, 'host.labels.rack', /unpaired UTF-16 surrogate/],
    ];
    for (const [payload, path, why] of cases) {
      const j = await rejected(await post(payload), 422, 'invalid_body');
      expect(j.details![0]!.path).toBe(path);
      expect(j.details![0]!.message).toMatch(why);
    }
    const e = await api.inject({ method: 'POST', url: '/v1/enroll', payload: { enrollSecret: ENROLL_SECRET, hostname: 'h\u0000', machineId: 'm-nul' } });
    expect((await rejected(e, 422, 'invalid_body')).details![0]!.path).toBe('hostname'); // was a 500 (PostgreSQL refused the NUL)
    // a proper surrogate pair (an emoji) is fine
    expect((await post({ ...b, snapshotId: randomUUID(), facts: { ...b.facts, note: 'ok \ud83d\ude00' } })).statusCode).toBe(202);
  });

  it('invalid UTF-8 bytes: 400 invalid_utf8 with the byte offset, plain and gzipped', async () => {
    const text = JSON.stringify(body());
    const at = text.indexOf('"hostname":"') + '"hostname":"'.length;
    const bytes = Buffer.concat([Buffer.from(text.slice(0, at)), Buffer.from([0xc3, 0x28, 0xff]), Buffer.from(text.slice(at))]);
    const j = await rejected(await post(bytes), 400, 'invalid_utf8');
    expect(j.message).toBe(`the body is not valid UTF-8: invalid byte sequence at byte offset ${at}`);
    await rejected(await post(gzipSync(bytes), { 'content-encoding': 'gzip' }), 400, 'invalid_utf8');
    const overlong = Buffer.concat([Buffer.from('{"a":"'), Buffer.from([0xc0, 0xaf]), Buffer.from('"}')]);
    expect((await rejected(await post(overlong), 400, 'invalid_utf8')).message).toContain('byte offset 6');
    const surrogate = Buffer.concat([Buffer.from('{"a":"'), Buffer.from([0xed, 0xa0, 0x80]), Buffer.from('"}')]);
    await rejected(await post(surrogate), 400, 'invalid_utf8');
  });

  it('timestamps far in the future or past, and not timestamps at all: 422 naming collectedAt', async () => {
    for (const at of ['9999-12-31T23:59:59Z', new Date(Date.now() + 2 * 86_400_000).toISOString(), '1970-01-01T00:00:00Z', '0001-01-01T00:00:00Z', new Date(Date.now() - 31 * 86_400_000).toISOString()]) {
      const j = await rejected(await post({ ...body(), collectedAt: at }), 422, 'invalid_body');
      expect(j.details!.map((d) => d.path)).toEqual(['collectedAt']);
      expect(j.message).toMatch(/collectedAt .* (more than 1 day in the future|older than 30 days); check the host clock/);
    }
    for (const at of ['2026-13-45T99:99:99Z', '+275760-09-13T00:00:00.000Z', 'yesterday', '']) {
      expect((await rejected(await post({ ...body(), collectedAt: at }), 422, 'invalid_body')).message).toContain('collectedAt');
    }
  });
});

describe('SQL metacharacters are data: stored verbatim, never executed', () => {
  const nasty = `x'); DROP TABLE hosts; -- "\\ %_ $1 ; SELECT pg_sleep(10)`;
  it('enroll + ingest + worker, then GET /v1/hosts/{id} returns hostname, labels and firmware byte-identical', async () => {
    const machineId = `m-sql-'"; DROP TABLE snapshots; --`;
    const labels = { 'owner/team': `ops'; DELETE FROM hosts WHERE '1'='1`, 'rack.a-1': `r1") OR 1=1 --`, 'x_y': '%_\\' };
    const hostname = `h'; DROP TABLE hosts; --`;
    const e = await api.inject({ method: 'POST', url: '/v1/enroll', payload: { enrollSecret: ENROLL_SECRET, hostname, machineId, labels } });
    expect(e.statusCode).toBe(201);
    const { hostId, token } = e.json();
    const snap = snapshotBody(machineId, { hostname: nasty, labels }) as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
    // the server derives firmware from the raw evidence: put the metacharacters in the DMI files
    const fw = { biosVendor: `AMI' || (SELECT version()) || '`, biosVersion: `2.1'; UPDATE hosts SET hostname='pwned'; --`, boardVendor: 'Supermicro', boardName: `X11"; TRUNCATE firmware; --` };
    delete snap.evidence['dmidecode.txt'];
    Object.assign(snap.evidence, { 'dmi/bios_vendor': fw.biosVendor + '\n', 'dmi/bios_version': fw.biosVersion + '\n', 'dmi/board_vendor': fw.boardVendor + '\n', 'dmi/board_name': fw.boardName + '\n' });
    snap.facts.firmware = fw;
    const res = await post(snap, {}, token);
    expect(res.statusCode).toBe(202);
    const [{ job }] = await findSnapshotJobs(api.queue, snap.snapshotId);
    let state = '';
    for (let i = 0; i < 300 && state !== 'completed' && state !== 'failed'; i++) {
      state = await job.getState();
      if (state !== 'completed') await new Promise((r) => setTimeout(r, 100));
    }
    expect(state).toBe('completed');
    const got = await api.inject({ method: 'GET', url: `/v1/hosts/${hostId}`, headers: bearer(reader) });
    expect(got.statusCode).toBe(200);
    const { host: h, firmware } = got.json();
    expect(Buffer.from(h.hostname, 'utf8').equals(Buffer.from(nasty, 'utf8'))).toBe(true);
    expect(h.machineId).toBe(machineId);
    expect(h.labels).toEqual(labels);
    expect(firmware).toMatchObject(fw);
    // the same strings as filters are parameters too
    const byLabel = await api.inject({ method: 'GET', url: `/v1/hosts?label.owner/team=${encodeURIComponent(labels['owner/team'])}`, headers: bearer(reader) });
    expect(byLabel.statusCode).toBe(200);
    expect(JSON.stringify(byLabel.json())).toContain(hostId);
    const tables = await api.tdb.db.pool.query(`SELECT count(*)::int AS n FROM information_schema.tables WHERE table_name IN ('hosts', 'snapshots', 'firmware')`);
    expect(tables.rows[0].n).toBe(3);
    const others = await api.tdb.db.pool.query(`SELECT count(*)::int AS n FROM hosts WHERE hostname = 'pwned'`);
    expect(others.rows[0].n).toBe(0);
  });
});
