import { Job, type JobJson, type Queue } from 'bullmq';
import { BATCH_ITEM_OVERHEAD_BYTES, MAX_BATCH_BYTES, MAX_BATCH_ITEMS } from './jobs';
import { DERIVE_VERSION, evidenceHash } from './evidence-hash';

const JSON_BYTES = Symbol('virtcap.jobJsonBytes');
interface Carrier {
  /** The job data as UTF-8 JSON bytes, passed to Redis untouched. */
  [JSON_BYTES]: Uint8Array;
}

/**
 * A BullMQ job whose `data` goes to Redis as JSON bytes the producer already has, instead of
 * `JSON.stringify(data)`: the API holds the request bodies it just parsed and validated, so re-serializing
 * them (and the garbage that makes) is pure waste. What lands in Redis is the same kind of document a plain
 * `queue.add` would write, and consumers read it back as usual.
 */
class PreserializedJob extends Job {
  override asJSON(): JobJson {
    const json = super.asJSON(); // stringifies the carrier: '{}' (its only key is a symbol)
    const bytes = (this.data as Partial<Carrier> | undefined)?.[JSON_BYTES];
    // JobJson types data as string; a Buffer goes through the same ARGV slot of BullMQ's add script unchanged.
    return bytes instanceof Uint8Array ? { ...json, data: bytes as unknown as string } : json;
  }
}

/**
 * One snapshot of a `snapshot.batch` job: the host it authenticated as, when it arrived, and its JSON — or,
 * for a body the agent sent gzip-compressed, those compressed bytes as they came (with the snapshot id and
 * collectedAt the API read from them, so consumers can order and name the item without inflating it).
 */
export type SnapshotBatchItem = {
  hostId: string;
  receivedAt: string;
  /**
   * The snapshot's {@link evidenceHash} as the API computed it from the body it validated, with the
   * {@link DERIVE_VERSION} it used: the worker recognises an unchanged report from it without reading the body.
   */
  evidence?: { hash: string; deriveVersion: number };
} & (
  | {
      /**
       * The snapshot's JSON text or UTF-8 bytes, spliced into the job as is. It MUST be one complete JSON
       * value that `JSON.parse` accepted (surrounding whitespace is fine; a UTF-8 byte-order mark is dropped).
       */
      snapshotJson: string | Uint8Array;
      snapshotGzip?: undefined;
    }
  | {
      /** A gzip stream that inflates to such a JSON value (written to the job in base64). */
      snapshotGzip: Uint8Array;
      snapshotId: string;
      collectedAt: string;
      snapshotJson?: undefined;
    }
);

/**
 * The item the API enqueues for one validated snapshot: the body as it came — its gzip bytes when it came
 * compressed (with the snapshot id and collectedAt beside them), else its JSON — and, when the snapshot
 * carries evidence, its {@link evidenceHash} under this {@link DERIVE_VERSION}, so the worker can record an
 * unchanged report without reading the body.
 */
export function snapshotBatchItem(
  hostId: string,
  receivedAt: string,
  snapshot: { snapshotId: string; collectedAt: string; bootId: string; evidence?: Record<string, string> },
  body: { gzip: Uint8Array } | { json: string | Uint8Array },
): SnapshotBatchItem {
  const evidence = snapshot.evidence && Object.keys(snapshot.evidence).length > 0 ? { hash: evidenceHash(snapshot), deriveVersion: DERIVE_VERSION } : undefined;
  return 'gzip' in body
    ? { hostId, receivedAt, evidence, snapshotGzip: body.gzip, snapshotId: snapshot.snapshotId, collectedAt: snapshot.collectedAt }
    : { hostId, receivedAt, evidence, snapshotJson: body.json };
}

const BOM = Buffer.from([0xef, 0xbb, 0xbf]);
const OPEN = Buffer.from('{"items":[');
const CLOSE = Buffer.from(']}');
const COMMA = Buffer.from(',');
const END_ITEM = Buffer.from('}');
const END_STRING_ITEM = Buffer.from('"}');

const base64Of = (b: Uint8Array): string => (Buffer.isBuffer(b) ? b : Buffer.from(b.buffer, b.byteOffset, b.byteLength)).toString('base64');

/**
 * The UTF-8 bytes of a `snapshot.batch` payload ({@link Jobs}: `{"items":[{hostId, receivedAt, snapshot}, …]}`,
 * or `{hostId, receivedAt, snapshotId, collectedAt, snapshotGzip}` for a compressed body) with each
 * snapshot's own bytes spliced in: one copy of each body, no `JSON.stringify` of it, no escaping.
 */
export function snapshotBatchBytes(items: ReadonlyArray<SnapshotBatchItem>): Buffer {
  const parts: Uint8Array[] = [OPEN];
  items.forEach((it, i) => {
    if (i > 0) parts.push(COMMA);
    const hash = it.evidence ? `"evidenceHash":${JSON.stringify(it.evidence.hash)},"deriveVersion":${Number(it.evidence.deriveVersion)},` : '';
    const head = `{"hostId":${JSON.stringify(it.hostId)},"receivedAt":${JSON.stringify(it.receivedAt)},${hash}`;
    if (it.snapshotGzip !== undefined) {
      parts.push(Buffer.from(`${head}"snapshotId":${JSON.stringify(it.snapshotId)},"collectedAt":${JSON.stringify(it.collectedAt)},"snapshotGzip":"`));
      parts.push(Buffer.from(base64Of(it.snapshotGzip), 'latin1'), END_STRING_ITEM); // base64 is ASCII: a plain copy, no UTF-8 encoding pass
      return;
    }
    parts.push(Buffer.from(`${head}"snapshot":`));
    let body = typeof it.snapshotJson === 'string' ? Buffer.from(it.snapshotJson) : it.snapshotJson;
    if (body.length >= 3 && body[0] === BOM[0] && body[1] === BOM[1] && body[2] === BOM[2]) body = body.subarray(3);
    parts.push(body, END_ITEM);
  });
  parts.push(CLOSE);
  return Buffer.concat(parts);
}

/**
 * Adds ONE `snapshot.batch` job holding every item (the queue's default job options; BullMQ numbers it).
 * The payload goes to Redis as the bytes {@link snapshotBatchBytes} built: no JSON text is made of it in
 * this process (BullMQ passes job data to its Lua script as one argument, and ioredis writes a Buffer
 * as is). Consumers read an ordinary JSON job. Returns the job id.
 */
export async function addSnapshotBatch(queue: Queue, items: ReadonlyArray<SnapshotBatchItem>): Promise<string> {
  if (items.length === 0 || items.length > MAX_BATCH_ITEMS) throw new RangeError(`a snapshot batch holds 1..${MAX_BATCH_ITEMS} items, not ${items.length}`);
  // Job.create, not createBulk: one job needs no pipeline (ioredis would copy the payload into it once more).
  const job = await PreserializedJob.create(queue, 'snapshot.batch', { [JSON_BYTES]: snapshotBatchBytes(items) } satisfies Carrier, { ...queue.defaultJobOptions });
  return job!.id!;
}

/** What `"evidenceHash":"<64 hex>","deriveVersion":N,` adds to an item. */
const EVIDENCE_HASH_BYTES = 110;

/** What a gzip item's envelope adds besides the values: `,"snapshotId":"",` `"collectedAt":"",` `"snapshotGzip":""` (a JSON item has `"snapshot":`). */
const GZIP_ITEM_KEYS_BYTES = 48;

/** The bytes one item adds to a batch payload (its JSON, or its gzip bytes in base64, + {@link BATCH_ITEM_OVERHEAD_BYTES}). */
export const batchItemBytes = (item: SnapshotBatchItem): number =>
  (item.evidence ? EVIDENCE_HASH_BYTES : 0) +
  (item.snapshotGzip !== undefined
    ? Math.ceil(item.snapshotGzip.byteLength / 3) * 4 + item.snapshotId.length + item.collectedAt.length + GZIP_ITEM_KEYS_BYTES
    : typeof item.snapshotJson === 'string'
      ? Buffer.byteLength(item.snapshotJson)
      : item.snapshotJson.byteLength) + BATCH_ITEM_OVERHEAD_BYTES;

/**
 * How many of `sizes` (bytes per item, in order) go into the next batch: at least one, at most
 * `maxItems`, and no more than {@link MAX_BATCH_BYTES} together unless the first alone is bigger.
 */
export function nextBatchLength(sizes: readonly number[], maxItems = MAX_BATCH_ITEMS): number {
  let n = 0;
  let bytes = 0;
  while (n < sizes.length && n < maxItems && (n === 0 || bytes + sizes[n]! <= MAX_BATCH_BYTES)) bytes += sizes[n++]!;
  return n;
}
