import { sleep } from '../duration';
import type { Logger } from '../log';
import { backoffDelay, parseRetryAfter } from './backoff';
import { post } from './http-post';

export interface DeliveryConfig {
  /** Base URL of the ingest API, e.g. `https://virtcap.example.net`. */
  server: string;
  token: string;
  ca?: string | Buffer;
  requestTimeoutMs: number;
  /** Attempts per snapshot in one run; after that it stays in the spool for the next run. */
  maxAttempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
  /** A longer `Retry-After` ends this run's attempts instead of sleeping that long. */
  maxRetryAfterMs: number;
  log: Logger;
  signal?: AbortSignal;
  random?: () => number;
}

export type DeliveryOutcome =
  | { kind: 'accepted'; status: string }
  | { kind: 'unauthorized'; reason: string }
  | { kind: 'rejected'; httpStatus: number; reason: string }
  | { kind: 'unavailable'; reason: string };

const snippet = (body: string) => body.replace(/\s+/g, ' ').trim().slice(0, 300);

/** Statuses worth retrying: timeouts, rate limiting and server-side failures. Other 4xx never change. */
const retriable = (status: number) => status === 408 || status === 425 || status === 429 || status >= 500;

export function snapshotsUrl(server: string): string {
  return `${server.replace(/\/+$/, '')}/v1/snapshots`;
}

/**
 * POST one gzip-compressed snapshot to `/v1/snapshots` with retries: exponential backoff with jitter,
 * `Retry-After` (seconds or HTTP date) honoured on 429/503. 2xx (202 `queued` or `duplicate`) is done;
 * 401 means the token was rejected; any other 4xx means the server will never take this snapshot.
 */
export async function deliverSnapshot(gzBody: Buffer, snapshotId: string, cfg: DeliveryConfig): Promise<DeliveryOutcome> {
  const url = snapshotsUrl(cfg.server);
  let last = 'not attempted';
  for (let attempt = 0; attempt < cfg.maxAttempts; attempt++) {
    if (cfg.signal?.aborted) return { kind: 'unavailable', reason: 'stopped' };
    const res = await post(url, gzBody, {
      headers: {
        'Content-Type': 'application/json',
        'Content-Encoding': 'gzip',
        Authorization: `Bearer ${cfg.token}`,
        'Idempotency-Key': snapshotId,
      },
      timeoutMs: cfg.requestTimeoutMs,
      ...(cfg.ca ? { ca: cfg.ca } : {}),
      ...(cfg.signal ? { signal: cfg.signal } : {}),
    });
    let waitMs = backoffDelay(attempt, cfg.baseDelayMs, cfg.maxDelayMs, cfg.random);
    if (res.kind === 'network-error') {
      last = `server unreachable (${res.error})`;
    } else if (res.status >= 200 && res.status < 300) {
      let status = 'accepted';
      try {
        const parsed = JSON.parse(res.body) as { status?: unknown };
        if (typeof parsed.status === 'string') status = parsed.status;
      } catch {
        // A 2xx without a JSON body still means the server has it.
      }
      return { kind: 'accepted', status };
    } else if (res.status === 401) {
      return { kind: 'unauthorized', reason: `401 ${snippet(res.body)}` };
    } else if (!retriable(res.status)) {
      return { kind: 'rejected', httpStatus: res.status, reason: `HTTP ${res.status}: ${snippet(res.body)}` };
    } else {
      last = `HTTP ${res.status}`;
      const retryAfter = res.status === 429 || res.status === 503 ? parseRetryAfter(res.headers['retry-after'], Date.now()) : undefined;
      if (retryAfter !== undefined) {
        if (retryAfter > cfg.maxRetryAfterMs) return { kind: 'unavailable', reason: `${last}, server asked to retry after ${Math.round(retryAfter / 1000)} s` };
        waitMs = retryAfter;
        last += ` (Retry-After ${Math.round(retryAfter / 1000)} s)`;
      }
    }
    if (attempt + 1 < cfg.maxAttempts) {
      cfg.log.info(`snapshot ${snapshotId}: ${last}; retrying in ${waitMs} ms`);
      if (!(await sleep(waitMs, cfg.signal))) return { kind: 'unavailable', reason: 'stopped' };
    }
  }
  return { kind: 'unavailable', reason: `${last} after ${cfg.maxAttempts} attempts` };
}
