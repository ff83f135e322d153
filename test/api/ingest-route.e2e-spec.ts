import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { snapshotBody } from '../../bench/ingest-bodies';
import { waitFor } from '../e2e/stack';
import { Api, ADMIN_TOKEN, bearer, enroll, ENROLL_SECRET, Res, send, startApi, startBuiltApi } from './harness';

// POST /v1/snapshots is a native Fastify route (apps/ingest-api/src/routes/snapshot.route.ts), not Nest's
// router: these check that it answers like the Nest routes do (error shapes and headers from the same
// renderer as ApiErrorFilter), is still in the OpenAPI document and /metrics, and logs one line per request.
let api: Api;
let host: { hostId: string; token: string };
let reader: string;

beforeAll(async () => {
  api = await startApi();
  host = await enroll(api, 'm-native');
  const t = await api.inject({ method: 'POST', url: '/v1/tokens', headers: bearer(ADMIN_TOKEN), payload: { role: 'reader', name: 'native-reader' } });
  reader = t.json().token;
});
afterAll(async () => {
  await api?.close();
});

const postSnapshot = (headers: Record<string, string>, payload: unknown = snapshotBody('m-native')) =>
  api.inject({ method: 'POST', url: '/v1/snapshots', headers: { 'content-type': 'application/json', ...headers }, payload: payload as string });

describe('POST /v1/snapshots on the native route', () => {
  it('202 {snapshotId, status} with a host token', async () => {
    const body = snapshotBody('m-native');
    const res = await postSnapshot(bearer(host.token), body);
    expect(res.statusCode).toBe(202);
    expect(res.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(res.json()).toEqual({ snapshotId: body.snapshotId, status: 'queued' });
  });

  it('401 with WWW-Authenticate: Bearer without a token, Bearer error="invalid_token" with an unknown one', async () => {
    const none = await postSnapshot({});
    expect(none.statusCode).toBe(401);
    expect(none.headers['www-authenticate']).toBe('Bearer');
    expect(none.json()).toEqual({ error: 'unauthorized', message: 'missing or malformed Authorization header (expected "Bearer <token>")' });
    const unknown = await postSnapshot(bearer('vca_' + 'B'.repeat(43)));
    expect(unknown.statusCode).toBe(401);
    expect(unknown.headers['www-authenticate']).toBe('Bearer error="invalid_token"');
    expect(unknown.json()).toEqual({ error: 'unauthorized', message: 'unknown, revoked or expired token' });
  });

  it("403 with AuthGuard's message for admin and reader tokens", async () => {
    const admin = await postSnapshot(bearer(ADMIN_TOKEN));
    expect(admin.statusCode).toBe(403);
    expect(admin.json()).toEqual({ error: 'forbidden', message: 'this route needs a host token; a admin token was given' });
    const r = await postSnapshot(bearer(reader));
    expect(r.statusCode).toBe(403);
    expect(r.json()).toEqual({ error: 'forbidden', message: 'this route needs a host token; a reader token was given' });
    // The Nest guard says the same for a host token on a reader route.
    const nest = await api.inject({ method: 'GET', url: '/v1/hosts', headers: bearer(host.token) });
    expect(nest.statusCode).toBe(403);
    expect(nest.json()).toEqual({ error: 'forbidden', message: 'this route needs a reader token; a host token was given' });
  });

  it('body parser errors answer exactly as on a Nest route (same renderer as ApiErrorFilter)', async () => {
    const pair = async (headers: Record<string, string>, payload: string): Promise<[Res, Res]> => [
      await api.inject({ method: 'POST', url: '/v1/snapshots', headers: { ...bearer(host.token), ...headers }, payload }),
      await api.inject({ method: 'POST', url: '/v1/enroll', headers, payload }),
    ];
    for (const [headers, payload] of [
      [{ 'content-type': 'text/plain' }, '{}'],
      [{ 'content-type': 'application/json' }, '{"broken'],
      [{ 'content-type': 'application/json' }, ''],
      [{ 'content-type': 'application/json', 'content-encoding': 'gzip' }, 'not gzip'],
      [{ 'content-type': 'application/json', 'content-encoding': 'br' }, '{}'],
    ] as [Record<string, string>, string][]) {
      const [native, nest] = await pair(headers, payload);
      expect(native.statusCode).toBeGreaterThanOrEqual(400);
      expect([native.statusCode, native.body, native.headers['content-type']]).toEqual([nest.statusCode, nest.body, nest.headers['content-type']]);
    }
  });

  it('422 names the fields with details, as before', async () => {
    const res = await postSnapshot(bearer(host.token), { ...snapshotBody('m-native'), snapshotId: 'nope' });
    expect(res.statusCode).toBe(422);
    expect(res.json()).toMatchObject({ error: 'invalid_body', details: expect.arrayContaining([expect.objectContaining({ path: 'snapshotId' })]) });
  });

  it('/metrics counts the route by status (the app-wide onResponse hook)', async () => {
    const count = (text: string, status: number) => {
      const m = new RegExp(`^virtcap_http_requests_total\\{method="POST",route="/v1/snapshots",status="${status}"\\} (\\d+)$`, 'm').exec(text);
      return m ? Number(m[1]) : 0;
    };
    const before = (await api.inject({ method: 'GET', url: '/metrics' })).body;
    for (let i = 0; i < 3; i++) expect((await postSnapshot(bearer(host.token))).statusCode).toBe(202);
    expect((await postSnapshot(bearer(ADMIN_TOKEN))).statusCode).toBe(403);
    expect((await postSnapshot({})).statusCode).toBe(401);
    const after = (await api.inject({ method: 'GET', url: '/metrics' })).body;
    expect(count(after, 202) - count(before, 202)).toBe(3);
    expect(count(after, 403) - count(before, 403)).toBe(1);
    expect(count(after, 401) - count(before, 401)).toBe(1);
    expect(after).toMatch(/virtcap_http_request_duration_seconds_count\{method="POST",route="\/v1\/snapshots",status="202"\} [1-9]/);
  });

  it('the OpenAPI document still describes the route: Snapshot body (zod), bearer auth, 202 and the errors', async () => {
    const doc = (await api.inject({ method: 'GET', url: '/docs-json' })).json();
    const op = doc.paths['/v1/snapshots'].post;
    expect(op.requestBody.content['application/json'].schema).toEqual({ $ref: '#/components/schemas/Snapshot' });
    expect(op.security).toEqual([{ bearer: [] }]);
    expect(op.tags).toEqual(['agent']);
    expect(Object.keys(op.responses).sort()).toEqual(['202', '400', '401', '403', '413', '415', '422', '429', '503']);
    expect(doc.components.schemas.Snapshot.required).toEqual(expect.arrayContaining(['schemaVersion', 'snapshotId', 'host', 'collectedAt']));
    expect(doc.components.schemas.Snapshot.properties.host.required).toEqual(expect.arrayContaining(['hostname', 'machineId']));
    // Only POST is served: other methods are Nest's 404, as before.
    const get = await api.inject({ method: 'GET', url: '/v1/snapshots' });
    expect(get.statusCode).toBe(404);
    expect(get.json()).toEqual({ error: 'not_found', message: 'Cannot GET /v1/snapshots' });
  });
});

describe('request log of the native route (built API process, LOG_LEVEL=info)', () => {
  it('one line per request with the request id, status and host id; never the token or the body', async () => {
    const { proc, base, close } = await startBuiltApi('info');
    try {
      const e = await send(base, { method: 'POST', url: '/v1/enroll', payload: { enrollSecret: ENROLL_SECRET, hostname: 'log-native', machineId: 'm-log-native' } });
      const { hostId, token } = e.json() as { hostId: string; token: string };
      const body = snapshotBody('m-log-native');
      const ok = await send(base, { method: 'POST', url: '/v1/snapshots', headers: { ...bearer(token), 'x-request-id': 'native-ok-1' }, payload: body });
      expect(ok.statusCode).toBe(202);
      const denied = await send(base, { method: 'POST', url: '/v1/snapshots', headers: { ...bearer(ADMIN_TOKEN), 'x-request-id': 'native-403-1' }, payload: body });
      expect(denied.statusCode).toBe(403);
      const lines = () => proc.output().split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as Record<string, any>); // eslint-disable-line @typescript-eslint/no-explicit-any
      const okLines = await waitFor('the log line', async () => {
        const found = lines().filter((l) => l.reqId === 'native-ok-1');
        return found.length > 0 && lines().some((l) => l.reqId === 'native-403-1') ? found : false;
      });
      expect(okLines).toHaveLength(1); // pino-http's middleware skips the route: not logged twice
      expect(okLines[0]).toMatchObject({ level: 30, msg: 'request completed', reqId: 'native-ok-1', req: { method: 'POST', url: '/v1/snapshots' }, res: { statusCode: 202 }, hostId });
      expect(typeof okLines[0]!.responseTime).toBe('number');
      const deniedLines = lines().filter((l) => l.reqId === 'native-403-1');
      expect(deniedLines).toHaveLength(1);
      expect(deniedLines[0]).toMatchObject({ res: { statusCode: 403 } });
      expect(deniedLines[0]!.hostId).toBeUndefined();
      const out = proc.output();
      expect(out).not.toContain(token.slice(4));
      expect(out).not.toContain(ADMIN_TOKEN);
      expect(out).not.toContain(body.snapshotId); // the body is not logged (the snapshotId is only in the body and the 202 answer)
    } finally {
      await close();
    }
  });
});
