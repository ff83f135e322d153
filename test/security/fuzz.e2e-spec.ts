import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { gzipSync } from 'node:zlib';
import { snapshotBody } from '../../bench/ingest-bodies';
import { Api, ADMIN_TOKEN, bearer, enroll, ENROLL_SECRET, startApi } from '../api/harness';

// Fuzzes every public endpoint over loopback HTTP with generated requests (a fixed seed, so a failure
// replays): mutated valid snapshot/enroll/token bodies, random JSON and bytes, random query strings, path
// ids, credentials, content types and encodings. Nothing may answer 5xx and the process must keep serving.
const RUNS = process.env.FUZZ_DEBUG ? 200 : 2500;
let api: Api;
let host: { hostId: string; token: string };
let victim: { hostId: string; token: string }; // the host that DELETE /v1/hosts/{id}/token may revoke
let reader: string;
const statuses = new Map<number, number>();
const failures: string[] = [];

beforeAll(async () => {
  api = await startApi({ VIRTCAP_RATE_LIMIT_PER_MINUTE: '1000000', VIRTCAP_BODY_LIMIT_BYTES: String(128 * 1024) });
  host = await enroll(api, 'm-fuzz');
  victim = await enroll(api, 'm-fuzz-victim');
  reader = (await api.inject({ method: 'POST', url: '/v1/tokens', headers: bearer(ADMIN_TOKEN), payload: { role: 'reader', name: 'fuzz' } })).json().token;
});
afterAll(async () => {
  await api?.close();
});

/** A valid snapshot without raw evidence (small, so thousands of requests stay fast). */
const baseSnapshot = () => {
  const { evidence: _e, ...rest } = snapshotBody('m-fuzz') as Record<string, unknown>;
  void _e;
  return rest;
};

type Json = unknown;
/** Sets (or deletes, when value is undefined) the value at a path, creating objects on the way. */
function mutate(doc: Json, path: string[], value: Json | undefined): Json {
  if (path.length === 0) return value;
  const [k, ...rest] = path;
  const obj: Record<string, Json> = doc && typeof doc === 'object' && !Array.isArray(doc) ? { ...(doc as Record<string, Json>) } : {};
  if (rest.length === 0 && value === undefined) delete obj[k!];
  else obj[k!] = mutate(obj[k!], rest, value);
  return obj;
}

const SNAPSHOT_PATHS = [
  ['schemaVersion'], ['snapshotId'], ['collectedAt'], ['bootId'], ['agent'], ['agent', 'version'], ['host'], ['host', 'hostname'], ['host', 'machineId'],
  ['host', 'labels'], ['host', 'labels', 'rack'], ['facts'], ['facts', 'firmware'], ['facts', 'firmware', 'biosVersion'], ['facts', 'pci'], ['facts', 'xlInfo'],
  ['verdicts'], ['verdicts', 'hvm'], ['verdicts', 'hvm', 'status'], ['verdicts', 'sriov', 'devices'], ['evidence'], ['evidence', 'xl-info.txt'], ['evidence', 'acpi/DMAR'],
];
const ENROLL_PATHS = [['enrollSecret'], ['hostname'], ['machineId'], ['labels'], ['labels', 'datacenter']];
const TOKEN_PATHS = [['role'], ['name'], ['expiresAt']];

const text = fc.oneof(
  fc.string({ maxLength: 40 }),
  fc.string({ unit: 'binary', maxLength: 40 }), // includes lone surrogates
  fc.constantFrom('', ' ', '\u0000', 'yes', 'ready', 'broken', 'firing', 'csv', '-1', '0', '1e309', 'NaN', "'; DROP TABLE hosts; --", '%', '%00', '../..', '{}', '__proto__', 'constructor', 'a'.repeat(5000)),
  fc.uuid().map(String),
  fc.date({ noInvalidDate: true }).map((d) => d.toISOString()),
);
const jsonValue = fc.oneof(fc.jsonValue({ maxDepth: 4 }), text, fc.constantFrom(null, true, 0, -1, 1.5, 2 ** 53, [], {}));
const bodyMutation = (paths: string[][]) => fc.array(fc.tuple(fc.constantFrom(...paths), fc.option(jsonValue, { nil: undefined })), { minLength: 0, maxLength: 3 });

const ROUTES = [
  { method: 'GET', path: '/healthz' }, { method: 'GET', path: '/readyz' }, { method: 'GET', path: '/metrics' }, { method: 'GET', path: '/docs-json' },
  { method: 'POST', path: '/v1/enroll', body: 'enroll' }, { method: 'POST', path: '/v1/snapshots', body: 'snapshot' },
  { method: 'GET', path: '/v1/fleet/summary' }, { method: 'GET', path: '/v1/hosts' }, { method: 'GET', path: '/v1/hosts/:id' }, { method: 'GET', path: '/v1/firmware' },
  { method: 'GET', path: '/v1/firmware/advisory' }, { method: 'GET', path: '/v1/alerts' }, { method: 'POST', path: '/v1/tokens', body: 'token' },
  { method: 'DELETE', path: '/v1/tokens/:id' }, { method: 'DELETE', path: '/v1/hosts/:id/token' },
  { method: 'PUT', path: '/v1/snapshots' }, { method: 'PATCH', path: '/v1/hosts/:id' }, { method: 'GET', path: '/v1/nothing-here' },
] as const;
const QUERY_KEYS = ['hvm', 'hap', 'iommu', 'sriov', 'passthrough', 'acpiDmar', 'acpiIvrs', 'label.datacenter', 'label.', 'label.a/b', 'limit', 'cursor', 'format', 'state', 'acpi', 'stale', 'boardVendor', 'boardName', 'biosVersion', 'biosVendor', 'firmware', 'x'];

const request = fc.record({
  // the snapshot route is the one agents hit: a third of the requests
  route: fc.oneof(...ROUTES.map((r) => ({ weight: r.path === '/v1/snapshots' && r.method === 'POST' ? 9 : 'body' in r ? 2 : 1, arbitrary: fc.constant(r) }))),
  id: fc.oneof(fc.constant('HOST'), fc.uuid().map(String), text),
  query: fc.array(fc.tuple(fc.constantFrom(...QUERY_KEYS), text), { maxLength: 4 }),
  auth: fc.oneof({ weight: 12, arbitrary: fc.constant('right') }, { weight: 6, arbitrary: fc.constantFrom('none', 'agent', 'reader', 'admin', 'garbage', 'admin-prefix') }),
  body: fc.oneof(
    { weight: 6, arbitrary: fc.constant('schema') }, // a mutated valid body for the route
    { weight: 1, arbitrary: fc.constant('json') },
    { weight: 1, arbitrary: fc.constant('bytes') },
  ),
  snapshotMut: bodyMutation(SNAPSHOT_PATHS),
  enrollMut: bodyMutation(ENROLL_PATHS),
  tokenMut: bodyMutation(TOKEN_PATHS),
  randomJson: fc.jsonValue({ maxDepth: 6 }),
  bytes: fc.uint8Array({ maxLength: 300 }),
  contentType: fc.oneof({ weight: 12, arbitrary: fc.constantFrom('application/json', 'application/json; charset=utf-8') }, { weight: 3, arbitrary: fc.constantFrom('text/plain', 'application/x-www-form-urlencoded', 'none') }),
  gzip: fc.oneof({ weight: 10, arbitrary: fc.constant(false as const) }, { weight: 3, arbitrary: fc.constant(true as const) }, { weight: 2, arbitrary: fc.constantFrom('truncated' as const, 'bogus-encoding' as const) }),
});

describe('fuzz every public endpoint', () => {
  it(`${RUNS} generated requests: no 5xx, the process keeps serving`, async () => {
    const good = { snapshot: baseSnapshot(), enroll: { enrollSecret: ENROLL_SECRET, hostname: 'fz', machineId: 'm-fuzz-enroll' } /* re-enrolling m-fuzz would rotate its token */, token: { role: 'reader', name: 'fz' } };
    await fc.assert(
      fc.asyncProperty(request, async (r) => {
        const path = r.route.path.replace(':id', encodeURIComponent(r.id === 'HOST' ? (r.route.method === 'DELETE' ? victim.hostId : host.hostId) : r.id));
        const qs = r.query.length ? '?' + new URLSearchParams(r.query.map(([k, v]): [string, string] => [k, v.replace(/[\ud800-\udfff]/g, '\ufffd')])).toString() : '';
        const headers: Record<string, string> = {};
        const tokens: Record<string, string> = { none: '', agent: host.token, reader, admin: ADMIN_TOKEN, garbage: 'vca_' + r.id.replace(/[^\x21-\x7e]/g, ''), 'admin-prefix': ADMIN_TOKEN.slice(0, 10) };
        // 'right' = the credential the route needs, so the fuzzing reaches validation and the handlers
        const right = r.route.path === '/v1/snapshots' ? 'agent' : r.route.path === '/v1/tokens' || r.route.method === 'DELETE' ? 'admin' : 'reader';
        const token = tokens[r.auth === 'right' ? right : r.auth];
        if (token) headers.authorization = `Bearer ${token}`;
        let payload: Buffer | undefined;
        if (r.route.method !== 'GET' && r.route.method !== 'DELETE') {
          let doc: unknown;
          if (r.body === 'schema') {
            const [base, muts] = 'body' in r.route && r.route.body === 'enroll' ? [good.enroll, r.enrollMut] : 'body' in r.route && r.route.body === 'token' ? [good.token, r.tokenMut] : [{ ...good.snapshot, snapshotId: crypto.randomUUID() }, r.snapshotMut];
            doc = muts.reduce<unknown>((d, [p, v]) => mutate(d, p, v), base);
          } else doc = r.randomJson;
          payload = r.body === 'bytes' ? Buffer.from(r.bytes) : Buffer.from(JSON.stringify(doc) ?? 'null');
          if (r.contentType !== 'none') headers['content-type'] = r.contentType;
          if (r.gzip === true || r.gzip === 'truncated') {
            const gz = gzipSync(payload);
            payload = r.gzip === true ? gz : gz.subarray(0, Math.max(1, gz.length - 5));
            headers['content-encoding'] = 'gzip';
          } else if (r.gzip === 'bogus-encoding') headers['content-encoding'] = 'compress';
        }
        const res = await api.inject({ method: r.route.method, url: path + qs, headers, payload });
        statuses.set(res.statusCode, (statuses.get(res.statusCode) ?? 0) + 1);
        if (process.env.FUZZ_DEBUG && r.route.path === '/v1/snapshots' && r.route.method === 'POST') console.log(res.statusCode, res.body.slice(0, 150));
        if (res.statusCode >= 500) failures.push(`${r.route.method} ${path}${qs} → ${res.statusCode} ${res.body.slice(0, 200)}`);
        if (res.statusCode >= 400 && res.headers['content-type']?.includes('application/json')) {
          const j = res.json();
          expect(typeof j.error).toBe('string');
          expect(typeof j.message).toBe('string');
        }
        return res.statusCode < 500;
      }),
      { numRuns: RUNS, seed: 20261125, endOnFailure: true },
    );
    console.log(`fuzz: ${RUNS} requests, statuses ${JSON.stringify(Object.fromEntries([...statuses].sort((a, b) => a[0] - b[0])))}`);
    expect(failures).toEqual([]);
    expect([...statuses.keys()].filter((s) => s >= 500)).toEqual([]);
    expect(statuses.get(202)).toBeGreaterThan(0); // some mutations stay valid and are accepted
    // still serving
    expect((await api.inject({ method: 'GET', url: '/healthz' })).statusCode).toBe(200);
    expect((await api.inject({ method: 'POST', url: '/v1/snapshots', headers: bearer(host.token), payload: snapshotBody('m-fuzz') })).statusCode).toBe(202);
    expect((await api.inject({ method: 'GET', url: '/v1/hosts', headers: bearer(reader) })).statusCode).toBe(200);
  });
});
