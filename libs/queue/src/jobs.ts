import { gunzipSync } from 'node:zlib';
import { z } from 'zod';
import { findJsonIssues, jsonTextMayHoldUnstorable, SnapshotFieldsSchema, SnapshotSchema } from '../../contracts/src';

/** Queue names: snapshots to normalize, notifications to deliver, and the dead-letter queue. */
export const QueueName = {
  Snapshots: 'snapshots',
  Notifications: 'notifications',
  DeadLetter: 'dead-letter',
} as const;
export type QueueName = (typeof QueueName)[keyof typeof QueueName];

/** At most this many snapshots in one `snapshot.batch` job (see also {@link MAX_BATCH_BYTES}). */
export const MAX_BATCH_ITEMS = 512;

/**
 * At most this many bytes of JSON in one `snapshot.batch` job (a single larger snapshot goes alone). Why:
 * V8 allocates a string of 128 KiB or more in large-object space, and on our VMs making one costs ~1 ms
 * (Buffer#toString of 127 KiB: 33 µs; of 128 KiB: 1,100 µs — docs/benchmarks.md, Worker follow-up),
 * and the worker makes such a string of every job it takes (ioredis decodes the reply). Kept under that
 * with room for the envelope.
 */
export const MAX_BATCH_BYTES = 120 * 1024;

/** Bytes a snapshot adds to a `snapshot.batch` payload besides its own JSON (hostId, receivedAt, keys, punctuation). */
export const BATCH_ITEM_OVERHEAD_BYTES = 100;

/**
 * Job names mapped to payload schemas; every name has exactly one handler. Payloads in Redis may have
 * been written by an older deploy, so consumers re-parse them with these schemas.
 */
export const Jobs = {
  /**
   * A snapshot accepted by the API, with the host it authenticated as. In Redis the snapshot may also be
   * its gzip body (`snapshotGzip`, base64): consumers pass the payload through {@link inflateSnapshotPayload}
   * before this schema.
   */
  'snapshot.normalize': z.object({
    hostId: z.uuid(),
    receivedAt: z.iso.datetime(),
    snapshot: SnapshotSchema,
  }),
  /**
   * Several accepted snapshots in one job (what the API enqueues: one job per batch of requests, so Redis
   * and BullMQ work once per batch, not once per snapshot). Each item is a 'snapshot.normalize' payload and
   * is validated on its own by the consumer, so one bad item never takes its neighbours down with it.
   */
  'snapshot.batch': z.object({
    items: z.array(z.unknown()).min(1).max(MAX_BATCH_ITEMS),
  }),
  /** Deliver one alert transition (firing/resolved) to one channel. */
  'alert.notify': z.object({
    deliveryId: z.uuid(),
  }),
  /** Periodic sweep that raises/resolves `host_stale` alerts. */
  'hosts.stale-sweep': z.object({}),
  /** A job that could not be processed, with the reason; kept for people to look at and replay. */
  'dead-letter': z.object({
    queue: z.string(),
    jobName: z.string(),
    snapshotId: z.string().optional(),
    reason: z.string(),
    payload: z.unknown(),
  }),
} as const;
export type JobName = keyof typeof Jobs;
export type JobData<N extends JobName> = z.infer<(typeof Jobs)[N]>;

/** Largest snapshot a queued gzip body may inflate to (the API's body limit is far below; this only bounds a forged job). */
export const MAX_INFLATED_SNAPSHOT_BYTES = 64 * 1024 * 1024;

/** A queued snapshot payload whose `snapshotGzip` could not be turned back into a snapshot. */
export class SnapshotPayloadError extends Error {
  override readonly name = 'SnapshotPayloadError';
}

/**
 * A 'snapshot.normalize' payload (also a 'snapshot.batch' item) with its snapshot as JSON: a payload that
 * carries `snapshotGzip` (base64 of the agent's gzip body, what the API enqueues for gzip requests) gets
 * `snapshot` = that body inflated and parsed, and loses `snapshotGzip`; anything else is returned as it is
 * (the schema judges it). Throws {@link SnapshotPayloadError} naming what is wrong when the base64, the gzip
 * stream or the JSON in it is broken (a poison payload: retrying cannot fix it).
 */
export function inflateSnapshotPayload(data: unknown): unknown {
  if (data === null || typeof data !== 'object' || !('snapshotGzip' in data)) return data;
  const { snapshotGzip, snapshotId: _id, collectedAt: _at, evidenceHash: _h, deriveVersion: _v, ...rest } = data as {
    snapshotGzip: unknown;
    snapshotId?: unknown;
    collectedAt?: unknown;
    evidenceHash?: unknown;
    deriveVersion?: unknown;
  };
  if (typeof snapshotGzip !== 'string') throw new SnapshotPayloadError('snapshotGzip: expected a base64 string');
  let text: string;
  let storable: boolean;
  try {
    const bytes = gunzipSync(Buffer.from(snapshotGzip, 'base64'), { maxOutputLength: MAX_INFLATED_SNAPSHOT_BYTES });
    // The text is decoded leniently below, but invalid bytes (a CESU-8 surrogate included) become U+FFFD, never a
    // lone surrogate, and a raw NUL is no valid JSON: as for the API's strict decoder, only escapes can carry either.
    storable = !jsonTextMayHoldUnstorable(bytes);
    text = bytes.toString('utf8');
    if (text.charCodeAt(0) === 0xfeff) text = text.slice(1); // a byte-order mark (the API's decoder dropped it too)
  } catch (e) {
    throw new SnapshotPayloadError(`snapshotGzip: the gzip body could not be inflated: ${(e as Error).message}`);
  }
  let out: Record<string, unknown>;
  try {
    out = { ...rest, snapshot: JSON.parse(text) as unknown };
  } catch (e) {
    throw new SnapshotPayloadError(`snapshotGzip: the inflated body is not JSON: ${(e as Error).message}`);
  }
  if (storable) Object.defineProperty(out, TEXT_KNOWN_STORABLE, { value: true });
  return out;
}

/** Marks a payload made by {@link inflateSnapshotPayload} from JSON text with no escape that could decode to an unstorable string. */
const TEXT_KNOWN_STORABLE = Symbol('virtcap.textKnownStorable');

/** 'snapshot.normalize' with SnapshotSchema's fields but not its refinement (run separately by {@link parseNormalizePayload}). */
const NormalizeFieldsSchema = Jobs['snapshot.normalize'].extend({ snapshot: SnapshotFieldsSchema });

/**
 * Validates a 'snapshot.normalize' payload (after {@link inflateSnapshotPayload}) as
 * `Jobs['snapshot.normalize']` does, with the API's shortcut: when the payload was inflated from JSON text
 * that holds no `\u0000` or surrogate escape (json-safety.ts `jsonTextMayHoldUnstorable`), no string in it
 * can be unstorable, so SnapshotSchema's JSON-safety refinement runs without scanning strings (~60 µs for a
 * 34 KB snapshot here) — still checking nesting depth and keys, over the input as the API did. Any other
 * payload gets the full schema. `reason`: up to five issues as `path: message`.
 */
export function parseNormalizePayload(payload: unknown): { ok: true; data: JobData<'snapshot.normalize'> } | { ok: false; reason: string } {
  const reason = (issues: ReadonlyArray<{ path: PropertyKey[]; message: string }>) =>
    issues.slice(0, 5).map((i) => `${i.path.map(String).join('.')}: ${i.message}`).join('; ');
  if (payload !== null && typeof payload === 'object' && (payload as Record<symbol, unknown>)[TEXT_KNOWN_STORABLE] === true) {
    const r = NormalizeFieldsSchema.safeParse(payload);
    if (!r.success) return { ok: false, reason: reason(r.error.issues) };
    const unsafe = findJsonIssues((payload as { snapshot: unknown }).snapshot, { textKnownStorable: true });
    if (unsafe.length > 0) return { ok: false, reason: reason(unsafe.map((i) => ({ path: ['snapshot', ...i.path], message: i.message }))) };
    return { ok: true, data: r.data };
  }
  const r = Jobs['snapshot.normalize'].safeParse(payload);
  return r.success ? { ok: true, data: r.data } : { ok: false, reason: reason(r.error.issues) };
}

/** The snapshot id and collectedAt a payload names, without inflating a gzip one (undefined when it has none). */
export function snapshotKeysOf(data: unknown): { snapshotId?: string; collectedAt?: string } {
  if (data === null || typeof data !== 'object') return {};
  const d = data as { snapshotId?: unknown; collectedAt?: unknown; snapshot?: { snapshotId?: unknown; collectedAt?: unknown } | null };
  const str = (v: unknown) => (typeof v === 'string' ? v : undefined);
  return { snapshotId: str(d.snapshot?.snapshotId) ?? str(d.snapshotId), collectedAt: str(d.snapshot?.collectedAt) ?? str(d.collectedAt) };
}

const QueuedEvidenceSchema = z.object({
  hostId: z.uuid(),
  receivedAt: z.iso.datetime(),
  snapshotId: z.uuid(),
  collectedAt: z.iso.datetime({ offset: true }),
  evidenceHash: z.string().regex(/^[0-9a-f]{64}$/),
  deriveVersion: z.number().int(),
});

/** What an item says about its snapshot without the body: enough to record an unchanged report. */
export type QueuedEvidence = z.infer<typeof QueuedEvidenceSchema>;

/**
 * The envelope of a snapshot payload that carries the API's evidence hash (`evidenceHash`, `deriveVersion`):
 * host, times, snapshot id and the hash, validated; undefined when the payload has none or any of it is
 * malformed (the consumer then reads the body as usual). A JSON item's id and collectedAt are read from its
 * (already parsed) snapshot; a gzip item names them beside the body, which is not inflated here.
 */
export function queuedEvidenceOf(data: unknown): QueuedEvidence | undefined {
  if (data === null || typeof data !== 'object' || !('evidenceHash' in data)) return undefined;
  const d = data as Record<string, unknown>;
  const r = QueuedEvidenceSchema.safeParse({ ...d, ...snapshotKeysOf(data) });
  return r.success ? r.data : undefined;
}
