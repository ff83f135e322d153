import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { randomUUID } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { snapshotBody } from '../../bench/ingest-bodies';
import { SnapshotSchema, snapshotWireJson } from '../../libs/contracts/src';
import { DERIVE_VERSION, evidenceHash } from '../../libs/queue/src';
import { findSnapshotJobs } from '../../libs/queue/src/testing/snapshot-jobs';
import { Api, ADMIN_TOKEN, bearer, enroll, ENROLL_SECRET, startApi } from './harness';

const LIMIT = 64 * 1024;
let api: Api;

beforeAll(async () => {
  api = await startApi({ VIRTCAP_BODY_LIMIT_BYTES: String(LIMIT), VIRTCAP_RATE_LIMIT_PER_MINUTE: '20' });
});
afterAll(async () => {
  await api?.close();
});

const post = (token: string, payload: unknown, headers: Record<string, string> = {}) =>
  api.inject({ method: 'POST', url: '/v1/snapshots', headers: { ...bearer(token), 'content-type': 'application/json', ...headers }, payload: payload as string });

describe('POST /v1/enroll', () => {
  it('201 with a host id and a vca_ token stored only as its SHA-256 hash', async () => {
    const res = await api.inject({ method: 'POST', url: '/v1/enroll', payload: { enrollSecret: ENROLL_SECRET, hostname: 'xen-01', machineId: 'm-enroll-1', labels: { rack: 'r1' } } });
    expect(res.statusCode).toBe(201);
    const { hostId, token } = res.json();
    expect(token).toMatch(/^vca_[A-Za-z0-9_-]{43}$/);
    const rows = await api.tdb.db.pool.query('SELECT token_hash FROM host_tokens WHERE host_id = $1', [hostId]);
    expect(rows.rows).toHaveLength(1);
    expect(rows.rows[0].token_hash).toMatch(/^[0-9a-f]{64}$/);
    expect(rows.rows[0].token_hash).not.toContain(token.slice(4));
  });

  it('401 with a wrong secret, 422 naming missing fields', async () => {
    const wrong = await api.inject({ method: 'POST', url: '/v1/enroll', payload: { enrollSecret: 'nope', hostname: 'x', machineId: 'y' } });
    expect(wrong.statusCode).toBe(401);
    expect(wrong.json()).toEqual({ error: 'unauthorized', message: 'wrong enroll secret' });
    const missing = await api.inject({ method: 'POST', url: '/v1/enroll', payload: { enrollSecret: ENROLL_SECRET } });
    expect(missing.statusCode).toBe(422);
    expect(missing.json().details.map((d: { path: string }) => d.path).sort()).toEqual(['hostname', 'machineId']);
  });

  it('re-enrolling the same machineId rotates the token: the old one is refused once the cache TTL passed', async () => {
    const first = await enroll(api, 'm-rotate');
    expect((await post(first.token, snapshotBody('m-rotate'))).statusCode).toBe(202);
    const second = await enroll(api, 'm-rotate');
    expect(second.hostId).toBe(first.hostId);
    await new Promise((r) => setTimeout(r, 250));
    expect((await post(first.token, snapshotBody('m-rotate'))).statusCode).toBe(401);
    expect((await post(second.token, snapshotBody('m-rotate'))).statusCode).toBe(202);
  });
});

describe('POST /v1/snapshots', () => {
  let token: string;
  let hostId: string;
  beforeAll(async () => {
    ({ token, hostId } = await enroll(api, 'm-ingest'));
  });

  it('202 queued in one snapshot.batch job as an item {hostId, receivedAt, snapshot}; a resend is 202 duplicate and no second job', async () => {
    const body = snapshotBody('m-ingest');
    const res = await post(token, body);
    expect(res.statusCode).toBe(202);
    expect(res.json()).toEqual({ snapshotId: body.snapshotId, status: 'queued' });
    const again = await post(token, body);
    expect(again.statusCode).toBe(202);
    expect(again.json()).toEqual({ snapshotId: body.snapshotId, status: 'duplicate' });
    const found = await findSnapshotJobs(api.queue, body.snapshotId);
    expect(found).toHaveLength(1);
    expect(found[0]!.job.name).toBe('snapshot.batch');
    expect(found[0]!.item.hostId).toBe(hostId);
    expect(found[0]!.item.snapshot).toEqual(JSON.parse(JSON.stringify(body))); // the body as sent
  });

  it('concurrent resends of one snapshot make exactly one job', async () => {
    const body = snapshotBody('m-ingest');
    const answers = await Promise.all(Array.from({ length: 8 }, () => post(token, body)));
    expect(answers.map((a) => a.json().status).sort()).toEqual(['duplicate', 'duplicate', 'duplicate', 'duplicate', 'duplicate', 'duplicate', 'duplicate', 'queued']);
    expect(await findSnapshotJobs(api.queue, body.snapshotId)).toHaveLength(1);
  });

  it('accepts Content-Encoding: gzip and queues the compressed body as it came (base64), with its id and collectedAt beside it', async () => {
    const body = snapshotBody('m-ingest');
    const gz = gzipSync(snapshotWireJson(body));
    const res = await post(token, gz, { 'content-encoding': 'gzip' });
    expect(res.statusCode).toBe(202);
    expect(res.json().status).toBe('queued');
    const [found] = await findSnapshotJobs(api.queue, body.snapshotId);
    const raw = (found!.job.data as { items: Record<string, unknown>[] }).items.find((i) => i.snapshotId === body.snapshotId)!;
    expect(raw).toEqual({
      hostId,
      receivedAt: expect.any(String),
      evidenceHash: evidenceHash(SnapshotSchema.parse(body)), // the worker records an unchanged report from it alone
      deriveVersion: DERIVE_VERSION,
      snapshotId: body.snapshotId,
      collectedAt: body.collectedAt,
      snapshotGzip: gz.toString('base64'),
    });
    expect(found!.item.snapshot).toEqual(JSON.parse(JSON.stringify(body))); // inflated, it is the body as sent
  });

  it('422 for NUL and lone surrogates written as \\u escapes (identity and gzip), naming the path; other escapes pass', async () => {
    const body = snapshotBody('m-ingest');
    const withText = (t: string) => JSON.stringify({ ...body, snapshotId: randomUUID() }).replace('"machineId":', `"facts2":"${t}","machineId":`);
    for (const [t, why] of [
      ['a\\u0000b', 'NUL'],
      ['a\\uD800b', 'unpaired UTF-16 surrogate'],
      ['\\udc00', 'unpaired UTF-16 surrogate'],
    ] as const) {
      for (const gzip of [false, true]) {
        const text = withText(t);
        const res = await post(token, gzip ? gzipSync(text) : text, gzip ? { 'content-encoding': 'gzip' } : {});
        expect(res.statusCode).toBe(422);
        expect(res.json().details).toEqual([expect.objectContaining({ path: 'host.facts2', message: expect.stringContaining(why) })]);
      }
    }
    const fine = await post(token, withText('\\\\u0000 \\u00e9 \\uD83D\\uDE00 \\n'));
    expect(fine.statusCode).toBe(202);
  });

  it('413 for a zip bomb (decompressed size over the limit), naming the limit', async () => {
    const bomb = gzipSync(Buffer.from(`{"pad":"${'0'.repeat(LIMIT * 4)}"}`));
    expect(bomb.length).toBeLessThan(LIMIT);
    const res = await post(token, bomb, { 'content-encoding': 'gzip' });
    expect(res.statusCode).toBe(413);
    expect(res.json()).toEqual({ error: 'payload_too_large', message: `decompressed body exceeds the limit of ${LIMIT} bytes` });
  });

  it('413 for a plain body over the limit', async () => {
    const res = await post(token, JSON.stringify({ pad: 'x'.repeat(LIMIT) }));
    expect(res.statusCode).toBe(413);
    expect(res.json().message).toContain(String(LIMIT));
  });

  it('400 for truncated gzip and for malformed JSON', async () => {
    const gz = gzipSync(JSON.stringify(snapshotBody('m-ingest')));
    const trunc = await post(token, gz.subarray(0, gz.length - 20), { 'content-encoding': 'gzip' });
    expect(trunc.statusCode).toBe(400);
    expect(trunc.json().error).toBe('invalid_gzip');
    const bad = await post(token, '{"schemaVersion": 1,');
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error).toBe('invalid_json');
  });

  it('415 for a wrong content type and for an unknown content encoding', async () => {
    const res = await post(token, 'schemaVersion=1', { 'content-type': 'application/x-www-form-urlencoded' });
    expect(res.statusCode).toBe(415);
    expect(res.json().error).toBe('unsupported_media_type');
    const br = await post(token, JSON.stringify(snapshotBody('m-ingest')), { 'content-encoding': 'br' });
    expect(br.statusCode).toBe(415);
  });

  it('422 invalid_body naming the field paths, with details', async () => {
    const body = snapshotBody('m-ingest') as Record<string, unknown>;
    const res = await post(token, { ...body, snapshotId: 'not-a-uuid', host: { hostname: 'x' } });
    expect(res.statusCode).toBe(422);
    const j = res.json();
    expect(j.error).toBe('invalid_body');
    expect(j.message).toContain('snapshotId');
    expect(j.message).toContain('host.machineId');
    expect(j.details).toEqual(expect.arrayContaining([expect.objectContaining({ path: 'snapshotId' }), expect.objectContaining({ path: 'host.machineId' })]));
  });

  it('422 unsupported_schema_version', async () => {
    const res = await post(token, { ...snapshotBody('m-ingest'), schemaVersion: 2 });
    expect(res.statusCode).toBe(422);
    expect(res.json()).toEqual({ error: 'unsupported_schema_version', message: 'schemaVersion 2 is not supported; supported: 1' });
  });

  it('422 when collectedAt is more than a day ahead or older than 30 days', async () => {
    const future = await post(token, snapshotBody('m-ingest', { collectedAt: new Date(Date.now() + 2 * 86400_000).toISOString() }));
    expect(future.statusCode).toBe(422);
    expect(future.json().message).toContain('more than 1 day in the future');
    const old = await post(token, snapshotBody('m-ingest', { collectedAt: new Date(Date.now() - 31 * 86400_000).toISOString() }));
    expect(old.statusCode).toBe(422);
    expect(old.json().message).toContain('older than 30 days');
    const ok = await post(token, snapshotBody('m-ingest', { collectedAt: new Date(Date.now() - 29 * 86400_000).toISOString() }));
    expect(ok.statusCode).toBe(202);
  });

  it('403 when the snapshot names another machine than the token', async () => {
    const res = await post(token, snapshotBody('someone-else'));
    expect(res.statusCode).toBe(403);
    expect(res.json().error).toBe('forbidden');
  });

  it('401 without a token, with an unknown token; 403 with a reader or admin token', async () => {
    const body = snapshotBody('m-ingest');
    const none = await api.inject({ method: 'POST', url: '/v1/snapshots', payload: body });
    expect(none.statusCode).toBe(401);
    expect((await post('vca_' + 'A'.repeat(43), body)).statusCode).toBe(401);
    const admin = await post(ADMIN_TOKEN, body);
    expect(admin.statusCode).toBe(403);
    const reader = await api.inject({ method: 'POST', url: '/v1/tokens', headers: bearer(ADMIN_TOKEN), payload: { role: 'reader', name: 'r' } });
    expect((await post(reader.json().token, body)).statusCode).toBe(403);
  });
});

describe('rate limit and revocation', () => {
  it('429 with Retry-After once a host exceeds its per-minute budget; other hosts are unaffected', async () => {
    const a = await enroll(api, 'm-rate-a');
    const b = await enroll(api, 'm-rate-b');
    const codes: number[] = [];
    for (let i = 0; i < 20; i++) codes.push((await post(a.token, snapshotBody('m-rate-a'))).statusCode);
    expect(codes.every((c) => c === 202)).toBe(true);
    const limited = await post(a.token, snapshotBody('m-rate-a'));
    expect(limited.statusCode).toBe(429);
    expect(Number(limited.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    expect(limited.json().error).toBe('rate_limited');
    expect((await post(b.token, snapshotBody('m-rate-b'))).statusCode).toBe(202);
  });

  it('DELETE /v1/hosts/{id}/token (admin) revokes the host: 204, then 401 after the cache TTL; unknown host 404', async () => {
    const h = await enroll(api, 'm-revoke');
    expect((await post(h.token, snapshotBody('m-revoke'))).statusCode).toBe(202);
    const del = await api.inject({ method: 'DELETE', url: `/v1/hosts/${h.hostId}/token`, headers: bearer(ADMIN_TOKEN) });
    expect(del.statusCode).toBe(204);
    await new Promise((r) => setTimeout(r, 250));
    const after = await post(h.token, snapshotBody('m-revoke'));
    expect(after.statusCode).toBe(401);
    const missing = await api.inject({ method: 'DELETE', url: `/v1/hosts/${randomUUID()}/token`, headers: bearer(ADMIN_TOKEN) });
    expect(missing.statusCode).toBe(404);
    expect(missing.json().error).toBe('not_found');
    const agent = await enroll(api, 'm-revoke-2');
    const forbidden = await api.inject({ method: 'DELETE', url: `/v1/hosts/${h.hostId}/token`, headers: bearer(agent.token) });
    expect(forbidden.statusCode).toBe(403);
  });
});

describe('/metrics and /docs', () => {
  it('counts requests by route and ingest outcomes, and reads the queue depth', async () => {
    const res = await api.inject({ method: 'GET', url: '/metrics' });
    expect(res.statusCode).toBe(200);
    expect(res.body).toMatch(/virtcap_ingest_snapshots_total\{outcome="queued",reason=""\} \d+/);
    expect(res.body).toMatch(/virtcap_ingest_snapshots_total\{outcome="duplicate",reason=""\} \d+/);
    expect(res.body).toMatch(/virtcap_ingest_snapshots_total\{outcome="rejected",reason="rate_limited"\} 1/);
    expect(res.body).toMatch(/virtcap_http_requests_total\{method="POST",route="\/v1\/snapshots",status="202"\} \d+/);
    expect(res.body).toMatch(/virtcap_http_request_duration_seconds_bucket\{le="0.1",method="POST",route="\/v1\/snapshots",status="202"\}/);
    expect(res.body).toMatch(/virtcap_queue_jobs\{queue="snapshots",state="waiting"\} [1-9]\d*/);
  });

  it('serves an OpenAPI document with the Snapshot body schema', async () => {
    const ui = await api.inject({ method: 'GET', url: '/docs' });
    expect(ui.statusCode).toBe(200);
    expect(ui.headers['content-type']).toContain('text/html');
    const res = await api.inject({ method: 'GET', url: '/docs-json' });
    expect(res.statusCode).toBe(200);
    const doc = res.json();
    expect(Object.keys(doc.paths)).toEqual(expect.arrayContaining(['/v1/enroll', '/v1/snapshots', '/v1/hosts', '/v1/hosts/{id}', '/v1/fleet/summary', '/v1/firmware', '/v1/alerts', '/v1/tokens']));
    expect(doc.paths['/v1/snapshots'].post.requestBody.content['application/json'].schema).toEqual({ $ref: '#/components/schemas/Snapshot' });
    expect(doc.components.schemas.Snapshot.properties.host.required).toEqual(expect.arrayContaining(['hostname', 'machineId']));
    expect(doc.components.schemas.EnrollRequest.required).toEqual(expect.arrayContaining(['enrollSecret', 'hostname', 'machineId']));
  });
});
