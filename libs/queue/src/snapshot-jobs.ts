import { Job, type JobJson, type Queue } from 'bullmq';
import { snapshotJobId } from './jobs';

const JSON_TEXT = Symbol('virtcap.jobJsonText');
interface Carrier {
  [JSON_TEXT]: string;
}

/**
 * A BullMQ job whose `data` is stored as JSON text the producer already has, instead of
 * `JSON.stringify(data)`: the API holds the request body it just parsed and validated, so re-serializing a
 * 22 KB snapshot (and the garbage that makes) is pure waste. What lands in Redis is the same kind of
 * document a plain `queue.add` would write, and consumers read it back as usual.
 */
class PreserializedJob extends Job {
  override asJSON(): JobJson {
    const json = super.asJSON(); // stringifies the carrier: '{}' (its only key is a symbol)
    const text = (this.data as Partial<Carrier> | undefined)?.[JSON_TEXT];
    return typeof text === 'string' ? { ...json, data: text } : json;
  }
}

/**
 * The JSON text of a `snapshot.normalize` payload ({@link Jobs}: `{hostId, receivedAt, snapshot}`) with
 * `snapshotJson` spliced in as is. `snapshotJson` MUST be one complete JSON value — the text of a request
 * body that `JSON.parse` accepted (surrounding whitespace is fine; a byte-order mark is not) — so the
 * worker's `JSON.parse` of the job data yields exactly the object the API validated.
 */
export function snapshotJobJson(hostId: string, receivedAt: string, snapshotJson: string): string {
  return `{"hostId":${JSON.stringify(hostId)},"receivedAt":${JSON.stringify(receivedAt)},"snapshot":${snapshotJson}}`;
}

/**
 * Adds `snapshot.normalize` jobs from prepared JSON text ({@link snapshotJobJson}) in one Redis pipeline,
 * with the queue's default job options and jobId `snapshotJobId(snapshotId)` (BullMQ ignores a second add
 * of an id that is still in the queue).
 */
export async function addSnapshotJobs(queue: Queue, jobs: ReadonlyArray<{ snapshotId: string; json: string }>): Promise<void> {
  const defaults = queue.defaultJobOptions;
  await PreserializedJob.createBulk(
    queue,
    jobs.map((j) => ({ name: 'snapshot.normalize', data: { [JSON_TEXT]: j.json } satisfies Carrier, opts: { ...defaults, jobId: snapshotJobId(j.snapshotId) } })),
  );
}
