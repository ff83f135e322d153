import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Queue, type QueueEvents } from 'bullmq';
import { randomUUID } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { SnapshotSchema, snapshotWireJson } from '../../libs/contracts/src';
import { snapshotBody } from '../../bench/ingest-bodies';
import type { TestDatabase } from '../../libs/db/src/testing/test-db';
import { addSnapshotBatch, DERIVE_VERSION, evidenceHash, QueueName, redisConnection, type SnapshotBatchItem } from '../../libs/queue/src';
import { TEST_REDIS_URL } from '../../libs/queue/src/testing/test-redis';
import { newHost as newHostRow, startWorkerHarness, type WorkerHarness } from './harness';
import { snapshotFor, type HostShape } from './snapshots';

// 'snapshot.batch' jobs (what the API enqueues): each item is normalized like a single job; poison items
// are dead-lettered one by one while the others are stored; items of one host are stored oldest first;
// a transient failure retries only the items that failed.
let h: WorkerHarness;
let tdb: TestDatabase;
let queue: Queue;
let events: QueueEvents;

beforeAll(async () => {
  h = await startWorkerHarness(() => ({ WORKER_CONCURRENCY: 4 }), { attempts: 3, backoff: { type: 'fixed', delay: 200 } });
  ({ tdb, queue, events } = h);
});

afterAll(async () => {
  await h?.close();
});

const newHost = () => newHostRow(tdb);

function item(hostId: string, h: HostShape, at: string, opts: { hostname?: string } = {}): SnapshotBatchItem & { snapshotId: string } {
  const snapshot = snapshotFor(h, new Date(at));
  if (opts.hostname) snapshot.host.hostname = opts.hostname;
  return { hostId, receivedAt: new Date().toISOString(), snapshotJson: JSON.stringify(snapshot), snapshotId: snapshot.snapshotId };
}

/** The same snapshot as the API enqueues a gzip request for it: the agent's compressed body, its id and collectedAt beside it. */
function gzipItem(hostId: string, h: HostShape, at: string): SnapshotBatchItem & { snapshotId: string } {
  const snapshot = snapshotFor(h, new Date(at));
  return { hostId, receivedAt: new Date().toISOString(), snapshotGzip: gzipSync(snapshotWireJson(snapshot)), snapshotId: snapshot.snapshotId, collectedAt: snapshot.collectedAt };
}

const storedIds = async (ids: string[]): Promise<string[]> =>
  (await tdb.db.pool.query<{ id: string }>('SELECT id FROM snapshots WHERE id = ANY($1::uuid[]) ORDER BY collected_at', [ids])).rows.map((r) => r.id);

describe('worker: snapshot.batch jobs', () => {
  it('stores the good items, dead-letters each poison item on its own with its snapshot id, and stores one host oldest first', async () => {
    const a = await newHost();
    const b = await newHost();
    const older = item(a, { bios: '1.0', iommu: true }, '2026-11-24T10:00:00Z');
    const newer = item(a, { bios: '1.1', iommu: false }, '2026-11-24T11:00:00Z');
    const other = item(b, { bios: '2.0', iommu: true }, '2026-11-24T10:30:00Z');
    const orphan = item(randomUUID(), { bios: '3.0', iommu: true }, '2026-11-24T10:00:00Z');
    const badId = randomUUID();
    const bad = { hostId: a, receivedAt: new Date().toISOString(), snapshotJson: JSON.stringify({ schemaVersion: 1, snapshotId: badId }) };
    // The newer snapshot of host a comes first in the job: the worker still stores the older one first.
    const jobId = await addSnapshotBatch(queue, [newer, bad, other, orphan, older]);
    const job = (await queue.getJob(jobId))!;
    const result = await job.waitUntilFinished(events, 30_000);
    expect(result).toEqual({ items: 5, outcomes: { changed: 3, dead_lettered: 2 } });

    expect(await storedIds([older.snapshotId, newer.snapshotId, other.snapshotId])).toEqual([older.snapshotId, other.snapshotId, newer.snapshotId]);
    const host = (await tdb.db.pool.query('SELECT last_snapshot_id FROM hosts WHERE id = $1', [a])).rows[0];
    expect(host.last_snapshot_id).toBe(newer.snapshotId);
    // host a's BIOS update disabled the IOMMU: the comparator saw older → newer (no out-of-order hole).
    const ev = (await tdb.db.pool.query<{ type: string }>('SELECT type FROM events WHERE host_id = $1 ORDER BY id', [a])).rows.map((r) => r.type);
    expect(ev).toContain('firmware_changed');

    const dl = await tdb.db.pool.query<{ snapshot_id: string; reason: string }>('SELECT snapshot_id, reason FROM dead_letters WHERE snapshot_id = ANY($1) ORDER BY snapshot_id', [[badId, orphan.snapshotId]]);
    expect(dl.rows.map((r) => r.snapshot_id).sort()).toEqual([badId, orphan.snapshotId].sort());
    expect(dl.rows.find((r) => r.snapshot_id === badId)!.reason).toMatch(/^schema: /);
    expect(dl.rows.find((r) => r.snapshot_id === orphan.snapshotId)!.reason).toMatch(/^missing_host: /);
    const dlq = new Queue(QueueName.DeadLetter, { connection: redisConnection(TEST_REDIS_URL, 'worker'), prefix: h.prefix });
    const parked = (await dlq.getJobs(['waiting'])).filter((j) => [badId, orphan.snapshotId].includes(j.data.snapshotId));
    await dlq.close();
    expect(parked.map((j) => j.data.jobName)).toEqual(['snapshot.normalize', 'snapshot.normalize']); // replayable one by one
    expect((await queue.getJob(jobId))!.attemptsMade).toBe(1); // ran once: nothing transient, no retry
  });

  it('gzip items (what the API enqueues for gzip requests): inflated and stored, one host oldest first by the collectedAt beside the body; a broken body is dead-lettered with its id and the reason', async () => {
    const a = await newHost();
    const older = gzipItem(a, { bios: '1.0', iommu: true }, '2026-11-24T13:00:00Z');
    const newer = gzipItem(a, { bios: '1.1', iommu: false }, '2026-11-24T14:00:00Z');
    const brokenId = randomUUID();
    const broken: SnapshotBatchItem = { hostId: a, receivedAt: new Date().toISOString(), snapshotId: brokenId, collectedAt: '2026-11-24T15:00:00Z', snapshotGzip: Buffer.from('not gzip at all') };
    const orphan = gzipItem(randomUUID(), { bios: '3.0', iommu: true }, '2026-11-24T13:00:00Z');
    const job = (await queue.getJob(await addSnapshotBatch(queue, [newer, broken, orphan, older])))!;
    expect(await job.waitUntilFinished(events, 30_000)).toEqual({ items: 4, outcomes: { changed: 2, dead_lettered: 2 } });
    expect(await storedIds([older.snapshotId, newer.snapshotId])).toEqual([older.snapshotId, newer.snapshotId]);
    const ev = (await tdb.db.pool.query<{ type: string }>('SELECT type FROM events WHERE host_id = $1 ORDER BY id', [a])).rows.map((r) => r.type);
    expect(ev).toContain('firmware_changed');
    const dl = await tdb.db.pool.query<{ snapshot_id: string; reason: string; payload: { snapshot?: { snapshotId: string }; snapshotGzip?: string } }>(
      'SELECT snapshot_id, reason, payload FROM dead_letters WHERE snapshot_id = ANY($1)',
      [[brokenId, orphan.snapshotId]],
    );
    const byId = new Map(dl.rows.map((r) => [r.snapshot_id, r]));
    expect(byId.get(brokenId)!.reason).toMatch(/^schema: snapshotGzip: the gzip body could not be inflated/);
    expect(byId.get(brokenId)!.payload.snapshotGzip).toBe(Buffer.from('not gzip at all').toString('base64')); // kept as it came
    expect(byId.get(orphan.snapshotId)!.reason).toMatch(/^missing_host: /);
    expect(byId.get(orphan.snapshotId)!.payload.snapshot?.snapshotId).toBe(orphan.snapshotId); // stored readable, inflated
  });

  it("with the API's evidence hash an unchanged report is recorded from the envelope alone (the body is not read); another DERIVE_VERSION's hash or a hash that does not match are not trusted", async () => {
    const a = await newHost();
    const at = (h: number) => `2026-11-24T${String(h).padStart(2, '0')}:00:00.000Z`;
    const first = SnapshotSchema.parse(snapshotBody('m-env', { dir: 'intel-vtd-sriov', collectedAt: at(16) }));
    const hash = evidenceHash(first);
    const run = async (item: SnapshotBatchItem) => (await queue.getJob(await addSnapshotBatch(queue, [item])))!.waitUntilFinished(events, 30_000);
    const envelope = (collectedAt: string, snapshotId: string = randomUUID()) => ({ hostId: a, receivedAt: new Date().toISOString(), snapshotId, collectedAt });
    const gz = (snap: object) => gzipSync(snapshotWireJson(snap));

    // The first report is a change (a new host): the body is read, and the hash stored is the worker's own.
    expect(await run({ ...envelope(first.collectedAt, first.snapshotId), evidence: { hash, deriveVersion: DERIVE_VERSION }, snapshotGzip: gz(first) })).toEqual({ items: 1, outcomes: { changed: 1 } });
    const row = async () => (await tdb.db.pool.query('SELECT evidence_hash, last_snapshot_id FROM hosts WHERE id = $1', [a])).rows[0];
    expect((await row()).evidence_hash).toBe(hash);

    // Same hash, newer: unchanged, although this body would not even inflate.
    const same = envelope(at(17));
    expect(await run({ ...same, evidence: { hash, deriveVersion: DERIVE_VERSION }, snapshotGzip: Buffer.from('never read') })).toEqual({ items: 1, outcomes: { unchanged: 1 } });
    expect((await row()).last_snapshot_id).toBe(same.snapshotId);

    // A hash made under another DERIVE_VERSION is ignored: the body is read (this one is broken: dead-lettered).
    const skew = envelope(at(18));
    expect(await run({ ...skew, evidence: { hash, deriveVersion: DERIVE_VERSION + 1 }, snapshotGzip: Buffer.from('read this time') })).toEqual({ items: 1, outcomes: { dead_lettered: 1 } });

    // A hash the host does not have (wrong, or the API's function differs): the body decides, and it is unchanged.
    const again = SnapshotSchema.parse(snapshotBody('m-env', { dir: 'intel-vtd-sriov', collectedAt: at(19) }));
    expect(await run({ ...envelope(again.collectedAt, again.snapshotId), evidence: { hash: 'f'.repeat(64), deriveVersion: DERIVE_VERSION }, snapshotGzip: gz(again) })).toEqual({ items: 1, outcomes: { unchanged: 1 } });
    expect((await row()).last_snapshot_id).toBe(again.snapshotId);
  });

  it('a malformed envelope is poison as a whole: dead-lettered once, not retried', async () => {
    const job = await queue.add('snapshot.batch', { items: [] });
    await expect(job.waitUntilFinished(events, 30_000)).rejects.toThrow(/schema: snapshot\.batch: items/);
    expect((await queue.getJob(job.id!))!.attemptsMade).toBe(1);
    const dl = await tdb.db.pool.query<{ reason: string }>(`SELECT reason FROM dead_letters WHERE reason LIKE 'schema: snapshot.batch%'`);
    expect(dl.rows).toHaveLength(1);
  });

  it('a transient failure retries only the failed items: the job keeps just those, every snapshot is stored once', async () => {
    const hosts = [await newHost(), await newHost(), await newHost()];
    const items = [
      item(hosts[0]!, { bios: '1.0', iommu: true }, '2026-11-24T12:00:00Z'),
      item(hosts[1]!, { bios: '1.0', iommu: true }, '2026-11-24T12:00:00Z', { hostname: 'refused-for-now' }),
      item(hosts[2]!, { bios: '1.0', iommu: true }, '2026-11-24T12:00:00Z'),
    ];
    // PostgreSQL refuses this one hostname for now (a stand-in for any transient error on one item).
    await tdb.db.pool.query(`ALTER TABLE hosts ADD CONSTRAINT test_refuse CHECK (hostname <> 'refused-for-now') NOT VALID`);
    const jobId = await addSnapshotBatch(queue, items);
    let failedData: { items: { snapshot: { snapshotId: string } }[] } | undefined;
    for (let i = 0; i < 200 && !failedData; i++) {
      const j = (await queue.getJob(jobId))!;
      if (j.attemptsMade >= 1) failedData = j.data as typeof failedData;
      else await new Promise((r) => setTimeout(r, 25));
    }
    await tdb.db.pool.query('ALTER TABLE hosts DROP CONSTRAINT test_refuse');
    expect(failedData!.items.map((i) => i.snapshot.snapshotId)).toEqual([items[1]!.snapshotId]);
    const job = (await queue.getJob(jobId))!;
    await job.waitUntilFinished(events, 30_000);
    const ids = items.map((i) => i.snapshotId);
    expect((await storedIds(ids)).sort()).toEqual([...ids].sort());
    const { rows } = await tdb.db.pool.query<{ n: number }>('SELECT count(*)::int AS n FROM snapshots WHERE id = ANY($1::uuid[])', [ids]);
    expect(rows[0]!.n).toBe(3);
    const dl = await tdb.db.pool.query('SELECT 1 FROM dead_letters WHERE snapshot_id = ANY($1)', [ids]);
    expect(dl.rowCount).toBe(0);
  });
});
