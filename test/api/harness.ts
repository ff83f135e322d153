import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { Queue } from 'bullmq';
import { clearEnvCache } from '../../libs/config/src';
import { createTestDatabase, TestDatabase } from '../../libs/db/src/testing/test-db';
import { QueueName } from '../../libs/queue/src';
import { deleteKeysByPrefix, TEST_REDIS_URL, testQueuePrefix } from '../../libs/queue/src/testing/test-redis';
import { createApiApp } from '../../apps/ingest-api/src/bootstrap';
import { API_MAIN, freePort, type Proc, startProcess, waitFor } from '../e2e/stack';

export const ENROLL_SECRET = 'enroll-secret-for-tests-0123456789';
export const ADMIN_TOKEN = 'admin-token-for-tests-0123456789';

/** A request as `app.inject` takes it; sent over real HTTP on loopback. */
export interface Req {
  method: string;
  url: string;
  headers?: Record<string, string>;
  payload?: unknown;
}
/** The answer, shaped like light-my-request's (which cannot load under Jest's ESM mode on Node 20: it require()s the ESM-only `cookie`). */
export interface Res {
  statusCode: number;
  headers: Record<string, string>;
  body: string;
  json(): any; // eslint-disable-line @typescript-eslint/no-explicit-any
}

export interface Api {
  app: NestFastifyApplication;
  baseUrl: string;
  inject(req: Req): Promise<Res>;
  tdb: TestDatabase;
  prefix: string;
  redisUrl: string;
  /** A read-side handle on the snapshots queue, to count jobs. */
  queue: Queue;
  close(): Promise<void>;
}

/** Boots the real API (createApiApp) on a cloned database and a fresh Redis prefix. */
export async function startApi(env: Record<string, string> = {}): Promise<Api> {
  const tdb = await createTestDatabase();
  const prefix = testQueuePrefix();
  const redisUrl = env.REDIS_URL ?? TEST_REDIS_URL;
  Object.assign(process.env, {
    DATABASE_URL: tdb.url,
    REDIS_URL: redisUrl,
    VIRTCAP_QUEUE_PREFIX: prefix,
    VIRTCAP_ENROLL_SECRET: ENROLL_SECRET,
    VIRTCAP_ADMIN_TOKEN: ADMIN_TOKEN,
    VIRTCAP_TOKEN_CACHE_TTL: '200ms',
    LOG_LEVEL: 'silent',
    ...env,
  });
  clearEnvCache();
  const app = await createApiApp({ logger: false });
  await app.init();
  await app.getHttpAdapter().getInstance().ready();
  await app.listen(0, '127.0.0.1');
  const addr = app.getHttpServer().address() as { port: number };
  const baseUrl = `http://127.0.0.1:${addr.port}`;
  const u = new URL(redisUrl);
  const queue = new Queue(QueueName.Snapshots, { connection: { host: u.hostname, port: Number(u.port || 6379), maxRetriesPerRequest: 1 }, prefix });
  queue.on('error', () => undefined);
  return {
    app,
    baseUrl,
    inject: (req) => send(baseUrl, req),
    tdb,
    prefix,
    redisUrl,
    queue,
    close: async () => {
      await queue.close().catch(() => undefined); // its Redis may be the one a test stopped
      await app.close();
      await tdb.drop();
      if (redisUrl === TEST_REDIS_URL) await deleteKeysByPrefix(prefix);
    },
  };
}

/** Enrolls a host through the API; returns its id and token. */
export async function enroll(api: Api, machineId: string, extra: Record<string, unknown> = {}): Promise<{ hostId: string; token: string }> {
  const res = await api.inject({ method: 'POST', url: '/v1/enroll', payload: { enrollSecret: ENROLL_SECRET, hostname: `h-${machineId}`, machineId, ...extra } });
  if (res.statusCode !== 201) throw new Error(`enroll failed: ${res.statusCode} ${res.body}`);
  return res.json();
}

export const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

/** Sends one request; objects are JSON-encoded (content-type application/json unless given), strings and Buffers go as they are. */
export async function send(baseUrl: string, req: Req): Promise<Res> {
  const headers: Record<string, string> = { ...(req.headers ?? {}) };
  let body: string | Buffer | undefined;
  if (typeof req.payload === 'string' || Buffer.isBuffer(req.payload)) body = req.payload;
  else if (req.payload !== undefined) {
    body = JSON.stringify(req.payload);
    headers['content-type'] ??= 'application/json';
  }
  const r = await fetch(baseUrl + req.url, { method: req.method, headers, body });
  const text = await r.text();
  return { statusCode: r.status, headers: Object.fromEntries(r.headers.entries()), body: text, json: () => JSON.parse(text) };
}

/** A built API process (`dist/.../main.js`) on its own database, Redis prefix and port, at `logLevel`. */
export interface BuiltApi {
  proc: Proc;
  base: string;
  close(): Promise<void>;
}

/** Starts the built API (as production runs it) and waits for /healthz; `close()` stops it and removes its database and keys. */
export async function startBuiltApi(logLevel: string): Promise<BuiltApi> {
  const tdb = await createTestDatabase();
  const prefix = testQueuePrefix();
  const port = await freePort();
  const proc = startProcess(API_MAIN, {
    DATABASE_URL: tdb.url,
    REDIS_URL: TEST_REDIS_URL,
    VIRTCAP_QUEUE_PREFIX: prefix,
    VIRTCAP_ENROLL_SECRET: ENROLL_SECRET,
    VIRTCAP_ADMIN_TOKEN: ADMIN_TOKEN,
    PORT: String(port),
    HOST: '127.0.0.1',
    LOG_LEVEL: logLevel,
  });
  const base = `http://127.0.0.1:${port}`;
  const close = async () => {
    await proc.stop();
    await tdb.drop();
    await deleteKeysByPrefix(prefix);
  };
  try {
    await waitFor('API up', async () => (await fetch(`${base}/healthz`)).ok);
  } catch (e) {
    await close();
    throw e;
  }
  return { proc, base, close };
}
