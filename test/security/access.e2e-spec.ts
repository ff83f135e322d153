import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import { snapshotBody } from '../../bench/ingest-bodies';
import { Api, ADMIN_TOKEN, bearer, enroll, ENROLL_SECRET, send, startApi, startBuiltApi } from '../api/harness';

// Access control against the real API: 401 for no/wrong/revoked/expired credentials, 403 for the wrong
// kind, tokens compared in constant time and never logged, per-host rate limits that starve nobody else.
let api: Api;
let agent: { hostId: string; token: string };
let reader: string;
let admin: string;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const newToken = async (role: 'reader' | 'admin', extra: Record<string, unknown> = {}) => {
  const res = await api.inject({ method: 'POST', url: '/v1/tokens', headers: bearer(ADMIN_TOKEN), payload: { role, name: `t-${role}`, ...extra } });
  expect(res.statusCode).toBe(201);
  return res.json() as { id: string; token: string };
};

beforeAll(async () => {
  api = await startApi({ VIRTCAP_RATE_LIMIT_PER_MINUTE: '10' });
  agent = await enroll(api, 'm-access');
  reader = (await newToken('reader')).token;
  admin = (await newToken('admin')).token;
});
afterAll(async () => {
  await api?.close();
});

/** One request per route, with the body it needs; `scope` is who may call it. */
const ROUTES = (): { name: string; scope: 'agent' | 'reader' | 'admin'; method: string; url: string; payload?: unknown }[] => [
  { name: 'POST /v1/snapshots', scope: 'agent', method: 'POST', url: '/v1/snapshots', payload: snapshotBody('m-access') },
  { name: 'GET /v1/fleet/summary', scope: 'reader', method: 'GET', url: '/v1/fleet/summary' },
  { name: 'GET /v1/hosts', scope: 'reader', method: 'GET', url: '/v1/hosts' },
  { name: 'GET /v1/hosts?format=csv', scope: 'reader', method: 'GET', url: '/v1/hosts?format=csv' },
  { name: 'GET /v1/hosts/{id}', scope: 'reader', method: 'GET', url: `/v1/hosts/${agent.hostId}` },
  { name: 'GET /v1/firmware', scope: 'reader', method: 'GET', url: '/v1/firmware' },
  { name: 'GET /v1/firmware/advisory', scope: 'reader', method: 'GET', url: '/v1/firmware/advisory?boardVendor=a&boardName=b&biosVersion=c' },
  { name: 'GET /v1/alerts', scope: 'reader', method: 'GET', url: '/v1/alerts' },
  { name: 'POST /v1/tokens', scope: 'admin', method: 'POST', url: '/v1/tokens', payload: { role: 'reader', name: 'x' } },
  { name: 'DELETE /v1/tokens/{id}', scope: 'admin', method: 'DELETE', url: `/v1/tokens/${randomUUID()}` },
  { name: 'DELETE /v1/hosts/{id}/token', scope: 'admin', method: 'DELETE', url: `/v1/hosts/${randomUUID()}/token` },
];

describe('authentication: 401', () => {
  it('no token, a malformed header, a wrong token of each kind: 401 with WWW-Authenticate on every protected route', async () => {
    const bad: (Record<string, string> | undefined)[] = [
      undefined,
      { authorization: '' },
      { authorization: 'Basic dXNlcjpwYXNz' },
      { authorization: 'Bearer' },
      { authorization: `Bearer ${'x'.repeat(600)}` },
      bearer('vca_' + 'A'.repeat(43)),
      bearer('vct_' + 'A'.repeat(43)),
      bearer(ADMIN_TOKEN + 'x'),
      bearer(ADMIN_TOKEN.slice(0, -1)),
      bearer(agent.token.slice(0, -1) + (agent.token.endsWith('A') ? 'B' : 'A')),
    ];
    let n = 0;
    for (const r of ROUTES()) {
      for (const headers of bad) {
        const res = await api.inject({ method: r.method, url: r.url, headers: headers ?? {}, payload: r.payload });
        expect({ route: r.name, status: res.statusCode, error: res.json().error }).toEqual({ route: r.name, status: 401, error: 'unauthorized' });
        expect(res.headers['www-authenticate']).toMatch(/^Bearer/);
        n++;
      }
    }
    expect(n).toBe(ROUTES().length * bad.length);
  });

  it('a revoked reader token and a revoked host token: 401 (after the cache TTL)', async () => {
    const t = await newToken('reader');
    expect((await api.inject({ method: 'GET', url: '/v1/hosts', headers: bearer(t.token) })).statusCode).toBe(200);
    expect((await api.inject({ method: 'DELETE', url: `/v1/tokens/${t.id}`, headers: bearer(ADMIN_TOKEN) })).statusCode).toBe(204);
    await sleep(250);
    const after = await api.inject({ method: 'GET', url: '/v1/hosts', headers: bearer(t.token) });
    expect({ status: after.statusCode, body: after.json() }).toEqual({ status: 401, body: { error: 'unauthorized', message: 'unknown, revoked or expired token' } });

    const h = await enroll(api, 'm-access-revoked');
    expect((await api.inject({ method: 'POST', url: '/v1/snapshots', headers: bearer(h.token), payload: snapshotBody('m-access-revoked') })).statusCode).toBe(202);
    expect((await api.inject({ method: 'DELETE', url: `/v1/hosts/${h.hostId}/token`, headers: bearer(admin) })).statusCode).toBe(204);
    await sleep(250);
    expect((await api.inject({ method: 'POST', url: '/v1/snapshots', headers: bearer(h.token), payload: snapshotBody('m-access-revoked') })).statusCode).toBe(401);
  });

  it('an expired reader token: 401 once its expiresAt has passed', async () => {
    const t = await newToken('reader', { expiresAt: new Date(Date.now() + 1500).toISOString() });
    expect((await api.inject({ method: 'GET', url: '/v1/alerts', headers: bearer(t.token) })).statusCode).toBe(200);
    let status = 200;
    for (let i = 0; i < 40 && status === 200; i++) {
      await sleep(100);
      status = (await api.inject({ method: 'GET', url: '/v1/alerts', headers: bearer(t.token) })).statusCode;
    }
    expect(status).toBe(401);
  });
});

describe('authorization: 403 for the wrong kind of token', () => {
  it('agent token on read and admin routes, reader token on ingest and admin routes, admin token on ingest: 403 naming what was needed', async () => {
    const cases: { who: string; token: string; deny: ('agent' | 'reader' | 'admin')[] }[] = [
      { who: 'agent', token: agent.token, deny: ['reader', 'admin'] },
      { who: 'reader', token: reader, deny: ['agent', 'admin'] },
      { who: 'admin', token: admin, deny: ['agent'] },
      { who: 'static admin', token: ADMIN_TOKEN, deny: ['agent'] },
    ];
    let denied = 0;
    let allowed = 0;
    for (const c of cases) {
      for (const r of ROUTES()) {
        const res = await api.inject({ method: r.method, url: r.url, headers: bearer(c.token), payload: r.payload });
        if (c.deny.includes(r.scope)) {
          expect({ who: c.who, route: r.name, status: res.statusCode, error: res.json().error }).toEqual({ who: c.who, route: r.name, status: 403, error: 'forbidden' });
          expect(res.json().message).toMatch(/^this route needs a (host|reader|admin) token; a (host|reader|admin) token was given$/);
          denied++;
        } else {
          expect({ who: c.who, route: r.name, ok: res.statusCode < 400 || res.statusCode === 404 }).toEqual({ who: c.who, route: r.name, ok: true });
          allowed++;
        }
      }
    }
    // 11 routes: 1 agent, 7 reader, 3 admin
    expect({ denied, allowed }).toEqual({ denied: 10 + 4 + 1 + 1, allowed: 1 + 7 + 10 + 10 });
  });

  it('a host token cannot post another host’s snapshot: 403', async () => {
    const res = await api.inject({ method: 'POST', url: '/v1/snapshots', headers: bearer(agent.token), payload: snapshotBody('m-someone-else') });
    expect(res.statusCode).toBe(403);
    expect(res.json().message).toContain('is not the host this token was issued to');
  });

  it('token comparison is constant time: the static admin token and the enroll secret go through timingSafeEqual on SHA-256 digests; others are looked up by SHA-256 hash', () => {
    const tokens = readFileSync('apps/ingest-api/src/common/tokens.ts', 'utf8');
    expect(tokens).toMatch(/timingSafeEqual\(createHash\('sha256'\)\.update\(a\)\.digest\(\), createHash\('sha256'\)\.update\(b\)\.digest\(\)\)/);
    const auth = readFileSync('apps/ingest-api/src/services/auth.service.ts', 'utf8');
    // The request's token is hashed once; that digest is compared with the admin token's digest, then looked up.
    expect(auth).toContain("this.adminTokenHash = Buffer.from(hashToken(env.VIRTCAP_ADMIN_TOKEN), 'hex')");
    expect(auth).toContain('const hash = hashToken(token)');
    expect(auth).toContain("timingSafeEqual(Buffer.from(hash, 'hex'), this.adminTokenHash)");
    expect(auth).not.toMatch(/token\s*===|===\s*this\.adminToken|adminToken\s*===/);
    const enrollSvc = readFileSync('apps/ingest-api/src/services/enroll.service.ts', 'utf8');
    expect(enrollSvc).toContain('safeEqual(req.enrollSecret, getEnv().VIRTCAP_ENROLL_SECRET)');
  });
});

describe('rate limits', () => {
  it('one host flooding gets 429 with Retry-After; a second host posting during the flood still gets 202 every time', async () => {
    const flooder = await enroll(api, 'm-flood');
    const quiet = await enroll(api, 'm-quiet');
    const codes = new Map<number, number>();
    const quietCodes: number[] = [];
    let stop = false;
    const flood = (async () => {
      const inFlight = new Set<Promise<void>>();
      for (let i = 0; i < 600 && !stop; i++) {
        const p = api.inject({ method: 'POST', url: '/v1/snapshots', headers: bearer(flooder.token), payload: snapshotBody('m-flood') }).then((r) => {
          codes.set(r.statusCode, (codes.get(r.statusCode) ?? 0) + 1);
          if (r.statusCode === 429) expect(Number(r.headers['retry-after'])).toBeGreaterThanOrEqual(1);
        });
        inFlight.add(p);
        void p.finally(() => inFlight.delete(p));
        if (inFlight.size >= 16) await Promise.race(inFlight);
      }
      await Promise.all(inFlight);
    })();
    for (let i = 0; i < 8; i++) {
      quietCodes.push((await api.inject({ method: 'POST', url: '/v1/snapshots', headers: bearer(quiet.token), payload: snapshotBody('m-quiet') })).statusCode);
      await sleep(20);
    }
    stop = true;
    await flood;
    const total = [...codes.values()].reduce((a, b) => a + b, 0);
    console.log(`rate limit flood: ${total} requests from one host → ${JSON.stringify(Object.fromEntries(codes))}; other host: ${quietCodes.join(',')}`);
    expect(codes.get(202)).toBe(10); // the bucket (10/min); refill during the flood is < 1 token
    expect(codes.get(429)).toBe(total - 10);
    expect(quietCodes).toEqual(Array(8).fill(202));
  });
});

describe('tokens never reach the logs', () => {
  it('a built API process at LOG_LEVEL=debug, driven with every kind of token and the enroll secret, logs none of them', async () => {
    const { proc, base, close } = await startBuiltApi('debug');
    try {
      const e = await send(base, { method: 'POST', url: '/v1/enroll', payload: { enrollSecret: ENROLL_SECRET, hostname: 'log-host', machineId: 'm-log' } });
      const hostToken = e.json().token as string;
      const t = await send(base, { method: 'POST', url: '/v1/tokens', headers: bearer(ADMIN_TOKEN), payload: { role: 'reader', name: 'log-reader' } });
      const readerToken = t.json().token as string;
      const statuses = [
        (await send(base, { method: 'POST', url: '/v1/snapshots', headers: bearer(hostToken), payload: snapshotBody('m-log') })).statusCode,
        (await send(base, { method: 'GET', url: '/v1/hosts', headers: bearer(readerToken) })).statusCode,
        (await send(base, { method: 'GET', url: '/v1/hosts', headers: bearer(hostToken) })).statusCode,
        (await send(base, { method: 'POST', url: '/v1/snapshots', headers: bearer(readerToken), payload: snapshotBody('m-log') })).statusCode,
        (await send(base, { method: 'GET', url: '/v1/alerts', headers: { authorization: `Bearer ${readerToken}x` } })).statusCode,
        (await send(base, { method: 'POST', url: '/v1/enroll', payload: { enrollSecret: ENROLL_SECRET + 'x', hostname: 'h', machineId: 'm' } })).statusCode,
        (await send(base, { method: 'POST', url: '/v1/snapshots', headers: { ...bearer(hostToken), 'content-type': 'application/json' }, payload: '{"broken' })).statusCode,
        (await send(base, { method: 'GET', url: '/v1/hosts?limit=5', headers: { authorization: `bearer ${ADMIN_TOKEN}`, cookie: `s=${ADMIN_TOKEN}` } })).statusCode,
      ];
      expect(statuses).toEqual([202, 200, 403, 403, 401, 401, 400, 200]);
      await sleep(300); // let pino flush the last lines
      const out = proc.output();
      expect(out).toContain('"url":"/v1/snapshots"'); // the request log is there, at debug level
      expect(out.split('\n').filter((l) => l.includes('"msg":"request completed"')).length).toBeGreaterThanOrEqual(8);
      const secrets = { hostToken, readerToken, adminToken: ADMIN_TOKEN, enrollSecret: ENROLL_SECRET, hostTokenBody: hostToken.slice(4), readerTokenBody: readerToken.slice(4) };
      const leaked = Object.entries(secrets).filter(([, v]) => out.includes(v)).map(([k]) => k);
      expect(leaked).toEqual([]);
    } finally {
      await close();
    }
  });
});
