import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Queue } from 'bullmq';
import { randomUUID } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { redisConnection } from './connection';
import { inflateSnapshotPayload, Jobs, QueueName, snapshotKeysOf } from './jobs';
import { addSnapshotBatch, batchItemBytes, snapshotBatchBytes } from './snapshot-jobs';
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

describe(addSnapshotBatch.name, () => {
  it('one snapshot.batch job holds every item; its bytes are the bodies as sent (Buffer or text, a BOM dropped), read back as the objects JSON.parse makes', async () => {
    const ids = [randomUUID(), randomUUID(), randomUUID()];
    const hosts = [randomUUID(), randomUUID(), randomUUID()];
    const texts = ids.map(snapshotText);
    const items = [
      { hostId: hosts[0]!, receivedAt: '2026-11-25T10:00:01.000Z', snapshotJson: Buffer.from(texts[0]!) },
      { hostId: hosts[1]!, receivedAt: '2026-11-25T10:00:02.000Z', snapshotJson: Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(texts[1]!)]) },
      { hostId: hosts[2]!, receivedAt: '2026-11-25T10:00:03.000Z', snapshotJson: texts[2]! },
    ];
    const jobId = await addSnapshotBatch(queue, items);
    const job = await queue.getJob(jobId);
    expect(job?.name).toBe('snapshot.batch');
    expect(job?.opts.attempts).toBe(7);
    const data = Jobs['snapshot.batch'].parse(job?.data);
    expect(data.items).toEqual(items.map((it, i) => ({ hostId: it.hostId, receivedAt: it.receivedAt, snapshot: JSON.parse(texts[i]!) })));
    for (const item of data.items) {
      const one = Jobs['snapshot.normalize'].parse(item);
      expect(one.snapshot.evidence?.['xl-info.txt']).toBe('xen_version : 4.17\n"q" é');
    }
    expect(JSON.parse(snapshotBatchBytes(items).toString('utf8'))).toEqual(job?.data);
  });

  it('a gzip item goes in as base64 beside its id and collectedAt, and inflates back to the snapshot (a BOM dropped)', async () => {
    const id = randomUUID();
    const text = snapshotText(id);
    const gz = gzipSync(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(text)]));
    const item = { hostId: randomUUID(), receivedAt: '2026-11-25T10:00:01.000Z', snapshotGzip: gz, snapshotId: id, collectedAt: '2026-11-25T10:00:00Z' };
    const job = await queue.getJob(await addSnapshotBatch(queue, [item]));
    const [raw] = Jobs['snapshot.batch'].parse(job?.data).items;
    expect(raw).toEqual({ hostId: item.hostId, receivedAt: item.receivedAt, snapshotId: id, collectedAt: item.collectedAt, snapshotGzip: gz.toString('base64') });
    expect(snapshotKeysOf(raw)).toEqual({ snapshotId: id, collectedAt: item.collectedAt });
    const one = Jobs['snapshot.normalize'].parse(inflateSnapshotPayload(raw));
    expect(one).toEqual({ hostId: item.hostId, receivedAt: item.receivedAt, snapshot: Jobs['snapshot.normalize'].shape.snapshot.parse(JSON.parse(text)) });
    expect(batchItemBytes(item)).toBeGreaterThanOrEqual(JSON.stringify(raw).length);
  });

  it('inflateSnapshotPayload names what is broken, and passes other payloads through', () => {
    expect(() => inflateSnapshotPayload({ snapshotGzip: 12 })).toThrow('snapshotGzip: expected a base64 string');
    expect(() => inflateSnapshotPayload({ snapshotGzip: 'bm90IGd6aXA=' })).toThrow(/^snapshotGzip: the gzip body could not be inflated: /);
    expect(() => inflateSnapshotPayload({ snapshotGzip: gzipSync('{"a":').toString('base64') })).toThrow(/^snapshotGzip: the inflated body is not JSON: /);
    const plain = { hostId: 'h', snapshot: { snapshotId: 's' } };
    expect(inflateSnapshotPayload(plain)).toBe(plain);
    expect(inflateSnapshotPayload(null)).toBe(null);
  });

  it('refuses an empty batch and one over the item cap, without touching Redis', async () => {
    const before = await queue.count();
    await expect(addSnapshotBatch(queue, [])).rejects.toThrow('a snapshot batch holds 1..512 items, not 0');
    const many = Array.from({ length: 513 }, () => ({ hostId: randomUUID(), receivedAt: '2026-11-25T10:00:01.000Z', snapshotJson: '{}' }));
    await expect(addSnapshotBatch(queue, many)).rejects.toThrow('not 513');
    expect(await queue.count()).toBe(before);
  });
});
