import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Redis } from 'ioredis';
import { randomUUID } from 'node:crypto';
import { snapshotBody } from '../../bench/ingest-bodies';
import { batchItemBytes, MAX_BATCH_BYTES, nextBatchLength } from '../../libs/queue/src';
import { findSnapshotJobs, snapshotIdsOfJob, snapshotsOfJob } from '../../libs/queue/src/testing/snapshot-jobs';
import { IDEMPOTENCY_TTL_SECONDS, SnapshotQueueService } from '../../apps/ingest-api/src/services/snapshot-queue.service';
import { Api, bearer, enroll, startApi } from './harness';

// The claim / add / confirm protocol of the snapshots queue (docs/ARCHITECTURE.md "The snapshots queue").
let api: Api;
let redis: Redis;
let token: string;

beforeAll(async () => {
  api = await startApi({ VIRTCAP_RATE_LIMIT_PER_MINUTE: '100000' });
  redis = new Redis(api.redisUrl);
  ({ token } = await enroll(api, 'm-idem'));
});
afterAll(async () => {
  redis?.disconnect();
  await api?.close();
});

const post = (payload: unknown) =>
  api.inject({ method: 'POST', url: '/v1/snapshots', headers: { ...bearer(token), 'content-type': 'application/json' }, payload: JSON.stringify(payload) });
const seenKey = (id: string) => `${api.prefix}:ingest:seen:${id}`;

describe('snapshot idempotency keys', () => {
  it('a queued snapshot id is remembered as queued for the idempotency TTL', async () => {
    const body = snapshotBody('m-idem');
    expect((await post(body)).json()).toEqual({ snapshotId: body.snapshotId, status: 'queued' });
    expect(await redis.get(seenKey(body.snapshotId))).toBe('1');
    const ttl = await redis.ttl(seenKey(body.snapshotId));
    expect(ttl).toBeGreaterThan(IDEMPOTENCY_TTL_SECONDS - 60);
    expect(ttl).toBeLessThanOrEqual(IDEMPOTENCY_TTL_SECONDS);
  });

  it('an id claimed by a request still enqueueing it (another replica) is 503 + Retry-After, not "duplicate", and no job; once the claim is gone it is queued once', async () => {
    const body = snapshotBody('m-idem');
    await redis.set(seenKey(body.snapshotId), 'p', 'EX', 60); // what a claim in flight (or a crashed API's) looks like
    const busy = await post(body);
    expect(busy.statusCode).toBe(503);
    expect(busy.headers['retry-after']).toBe('5');
    expect(busy.json()).toEqual({ error: 'unavailable', message: `snapshot ${body.snapshotId} is being enqueued by another request; retry shortly` });
    expect(await findSnapshotJobs(api.queue, body.snapshotId)).toHaveLength(0);
    expect(await redis.get(seenKey(body.snapshotId))).toBe('p'); // someone else's claim is left alone

    await redis.del(seenKey(body.snapshotId)); // the claim expired (its API died before adding the job)
    expect((await post(body)).json().status).toBe('queued');
    expect((await post(body)).json().status).toBe('duplicate');
    expect(await findSnapshotJobs(api.queue, body.snapshotId)).toHaveLength(1);
  });

  it('concurrent distinct snapshots each land in the queue exactly once', async () => {
    const bodies = Array.from({ length: 40 }, () => snapshotBody('m-idem'));
    const answers = await Promise.all(bodies.map((b) => post(b)));
    expect(answers.map((a) => a.statusCode)).toEqual(bodies.map(() => 202));
    const ids = (await api.queue.getJobs(['waiting'])).flatMap((j) => snapshotIdsOfJob(j));
    for (const b of bodies) expect(ids.filter((id) => id === b.snapshotId)).toHaveLength(1);
  });

  /** Submits bodies in one turn of the event loop; returns the waiting jobs holding them, oldest first. */
  async function submitTogether(bodies: ReturnType<typeof snapshotBody>[]) {
    const queue = api.app.get(SnapshotQueueService);
    const receivedAt = new Date().toISOString();
    const hostIds = bodies.map(() => randomUUID());
    const answers = await Promise.all(bodies.map((b, i) => queue.submit(b.snapshotId, { hostId: hostIds[i]!, receivedAt, snapshotJson: Buffer.from(JSON.stringify(b)) })));
    expect(answers).toEqual(bodies.map(() => 'queued'));
    const wanted = new Set(bodies.map((b) => b.snapshotId));
    const jobs = (await api.queue.getJobs(['waiting'])).filter((j) => snapshotIdsOfJob(j).some((id) => wanted.has(id)));
    jobs.sort((a, b) => Number(a.id) - Number(b.id));
    const expected = bodies.map((b, i) => ({ hostId: hostIds[i], receivedAt, snapshot: JSON.parse(JSON.stringify(b)) }));
    return { jobs, expected };
  }

  it('snapshots submitted in the same turn of the event loop share one snapshot.batch job, each item with its own host and bytes', async () => {
    const small = Array.from({ length: 40 }, () => {
      const b = snapshotBody('m-idem');
      delete (b as { evidence?: unknown }).evidence; // ~0.5 KB each: all fit in one job
      return b;
    });
    const { jobs, expected } = await submitTogether(small);
    expect(jobs).toHaveLength(1);
    expect(jobs[0]!.name).toBe('snapshot.batch');
    expect(snapshotsOfJob(jobs[0])).toEqual(expected);
  });

  it('a batch is cut at MAX_BATCH_BYTES: big snapshots go a few to a job, in order, each job under the cap', async () => {
    const big = Array.from({ length: 10 }, () => snapshotBody('m-idem')); // ~35 KB each
    const { jobs, expected } = await submitTogether(big);
    const sizes = big.map((b) => batchItemBytes({ hostId: '', receivedAt: '', snapshotJson: JSON.stringify(b) }));
    let want = 0;
    for (let rest = sizes; rest.length > 0; want++) rest = rest.slice(nextBatchLength(rest));
    expect(want).toBeGreaterThan(1);
    expect(jobs).toHaveLength(want);
    expect(jobs.flatMap((j) => snapshotsOfJob(j))).toEqual(expected);
    for (const j of jobs) expect(Buffer.byteLength(JSON.stringify(j.data))).toBeLessThan(MAX_BATCH_BYTES);
  });
});
