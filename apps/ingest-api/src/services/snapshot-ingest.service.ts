import { Injectable } from '@nestjs/common';
import { getEnv } from '../../../../libs/config/src';
import { SnapshotFieldsSchema, SUPPORTED_SCHEMA_VERSIONS } from '../../../../libs/contracts/src';
import { Principal } from '../auth/principal';
import { ApiError } from '../common/api-error';
import { TokenBucketLimiter } from '../common/rate-limiter';
import { rawGzipOf, rawJsonOf } from '../common/raw-json';
import { parseBody } from '../common/validation';
import { MetricsService } from './metrics.service';
import { SnapshotQueueService } from './snapshot-queue.service';
import { snapshotBatchItem } from '../../../../libs/queue/src';

/** The 202 answer to a snapshot post. */
export interface IngestReceipt {
  snapshotId: string;
  status: 'queued' | 'duplicate';
}

const MAX_FUTURE_MS = 86_400_000;
const MAX_AGE_MS = 30 * 86_400_000;

/**
 * Accepts one snapshot from an authenticated host: checks the schema version, validates against the
 * shared SnapshotSchema (422 naming every field path), that the snapshot's machineId is the token's host
 * (403), that collectedAt is within [now − 30 days, now + 1 day] (422), the per-host rate limit (429), and
 * then enqueues it (202) without touching PostgreSQL.
 */
@Injectable()
export class SnapshotIngestService {
  private readonly limiter: TokenBucketLimiter;
  private readonly perMinute = getEnv().VIRTCAP_RATE_LIMIT_PER_MINUTE;

  constructor(
    private readonly queue: SnapshotQueueService,
    private readonly metrics: MetricsService,
  ) {
    this.limiter = new TokenBucketLimiter(this.perMinute);
  }

  async accept(principal: Principal, body: unknown): Promise<IngestReceipt> {
    try {
      return await this.acceptChecked(principal, body);
    } catch (e) {
      this.metrics.countIngest('rejected', e instanceof ApiError ? e.code : 'internal');
      throw e;
    }
  }

  private async acceptChecked(principal: Principal, body: unknown): Promise<IngestReceipt> {
    if (principal.kind !== 'agent') throw new ApiError('forbidden', 'snapshots are posted with a host token');
    if (typeof body !== 'object' || body === null || Array.isArray(body)) {
      throw new ApiError('invalid_body', 'the body must be a JSON object (a snapshot)', {}, [{ path: '', message: 'expected object' }]);
    }
    const version = (body as { schemaVersion?: unknown }).schemaVersion;
    if (typeof version === 'number' && !SUPPORTED_SCHEMA_VERSIONS.includes(version)) {
      throw new ApiError('unsupported_schema_version', `schemaVersion ${version} is not supported; supported: ${SUPPORTED_SCHEMA_VERSIONS.join(', ')}`);
    }
    // SnapshotSchema's fields; its JSON-safety refinement is parseBody's single walk over the body (strings
    // scanned only when the body's text could hold an unstorable one).
    const rawJson = rawJsonOf(body);
    const snap = parseBody(SnapshotFieldsSchema, body, { rawJson });
    if (snap.host.machineId !== principal.machineId) {
      throw new ApiError('forbidden', `host.machineId ${JSON.stringify(snap.host.machineId)} is not the host this token was issued to`);
    }
    const now = Date.now();
    const collected = Date.parse(snap.collectedAt);
    if (collected > now + MAX_FUTURE_MS || collected < now - MAX_AGE_MS) {
      throw new ApiError('invalid_body', `collectedAt ${snap.collectedAt} is ${collected > now ? 'more than 1 day in the future' : 'older than 30 days'}; check the host clock`, {}, [
        { path: 'collectedAt', message: 'outside the accepted window [now - 30 days, now + 1 day]' },
      ]);
    }
    const rate = this.limiter.take(principal.hostId);
    if (!rate.ok) {
      throw new ApiError('rate_limited', `too many snapshots from this host (limit ${this.perMinute} per minute)`, { 'Retry-After': String(rate.retryAfterSec) });
    }
    // The body's own bytes when the parser kept them: the worker re-validates them with the same schema.
    // The job item: the agent's gzip body as it came (a quarter of the bytes through Redis; the worker inflates
    // it), else the body's own JSON bytes, and the evidence hash (~25 µs for 22 KB here, where the body is parsed
    // anyway) with which the worker records an unchanged report — most of them — without reading the body.
    const gzip = rawGzipOf(body);
    const item = snapshotBatchItem(principal.hostId, new Date(now).toISOString(), snap, gzip ? { gzip } : { json: rawJson ?? JSON.stringify(snap) });
    const status = await this.queue.submit(snap.snapshotId, item);
    this.metrics.countIngest(status);
    return { snapshotId: snap.snapshotId, status };
  }
}
