import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Queue } from 'bullmq';
import { randomUUID } from 'node:crypto';
import { redisConnection } from './connection';
import { Jobs, QueueName, snapshotJobId } from './jobs';
import { addSnapshotJobs, snapshotJobJson } from './snapshot-jobs';
import { deleteKeysByPrefix, testQueuePrefix, TEST_REDIS_URL } from './testing/test-redis';

let prefix: string;
let queue: Queue;

beforeAll(() => {
  prefix = testQueuePrefix();
  queue = new Queue(QueueName.Snapshots, { connection: redisConnection(TEST_REDIS_URL, 'worker'), prefix, defaultJobOptions: { attempts: 7 } });
});
afterAll(async () => {
  await queue?.close();
  if (prefix) await deleteKeysByPrefix(prefix);
});

const snapshotText = (id: string) =>
  `\n {"schemaVersion":1,"snapshotId":"${id}","collectedAt":"2026-11-25T10:00:00Z","bootId":"b1","agent":{"version":"0.1.0"},` +
  `"host":{"hostname":"h","machineId":"m"},"facts":{},"evidence":{"xl-info.txt":"xen_version : 4.17\\n\\"q\\" \\u00e9"},"extra":[1,2]} `;

describe(addSnapshotJobs.name, () => {
  it('stores the prepared JSON text as the job data: the consumer reads back the object JSON.parse makes of it, valid for the job schema', async () => {
    const id = randomUUID();
    const hostId = randomUUID();
    const text = snapshotText(id);
    await addSnapshotJobs(queue, [{ snapshotId: id, json: snapshotJobJson(hostId, '2026-11-25T10:00:01.000Z', text) }]);
    const job = await queue.getJob(snapshotJobId(id));
    expect(job?.name).toBe('snapshot.normalize');
    expect(job?.opts.attempts).toBe(7); // the queue's default options apply
    expect(job?.data).toEqual({ hostId, receivedAt: '2026-11-25T10:00:01.000Z', snapshot: JSON.parse(text) });
    const parsed = Jobs['snapshot.normalize'].parse(job?.data);
    expect(parsed.snapshot.evidence?.['xl-info.txt']).toBe('xen_version : 4.17\n"q" é');
  });

  it('a second add of the same snapshot id while the job is queued is ignored (one job)', async () => {
    const id = randomUUID();
    const json = snapshotJobJson(randomUUID(), new Date().toISOString(), snapshotText(id));
    await addSnapshotJobs(queue, [{ snapshotId: id, json }]);
    await addSnapshotJobs(queue, [{ snapshotId: id, json }]);
    const waiting = await queue.getJobs(['waiting']);
    expect(waiting.filter((j) => j.id === snapshotJobId(id))).toHaveLength(1);
  });
});
