import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Queue, RedisQueueBackend, Worker, type Job } from 'bullmq';
import { applyBullmqFixes } from './bullmq-fixes';
import { redisConnection } from './connection';
import { deleteKeysByPrefix, testQueuePrefix, TEST_REDIS_URL } from './testing/test-redis';

let prefix: string;
let queue: Queue;

beforeAll(() => {
  prefix = testQueuePrefix();
  queue = new Queue('fixes', { connection: redisConnection(TEST_REDIS_URL, 'worker'), prefix });
});
afterAll(async () => {
  await queue?.close();
  if (prefix) await deleteKeysByPrefix(prefix);
});

describe(applyBullmqFixes.name, () => {
  it('replaces the installed moveToFinished (the one it was written against), once', () => {
    const before = RedisQueueBackend.prototype.moveToFinished;
    expect(before.toString()).toMatch(/result\s*<\s*0/);
    expect(applyBullmqFixes()).toBe(true);
    expect(RedisQueueBackend.prototype.moveToFinished).not.toBe(before);
    const after = RedisQueueBackend.prototype.moveToFinished;
    expect(applyBullmqFixes()).toBe(true);
    expect(RedisQueueBackend.prototype.moveToFinished).toBe(after);
  });

  it('a worker still finishes jobs and takes the next one from the reply: 30 large jobs, each processed once, in order, with its data', async () => {
    applyBullmqFixes();
    const big = 'x'.repeat(200_000);
    await queue.addBulk(Array.from({ length: 30 }, (_, i) => ({ name: 'big', data: { i, big } })));
    const seen: number[] = [];
    const worker = new Worker('fixes', async (job: Job) => {
      expect(job.data.big).toHaveLength(200_000);
      seen.push(job.data.i as number);
      return { ok: job.data.i };
    }, { connection: redisConnection(TEST_REDIS_URL, 'worker'), prefix, concurrency: 1 });
    try {
      for (let t = 0; t < 400 && seen.length < 30; t++) await new Promise((r) => setTimeout(r, 25));
    } finally {
      await worker.close();
    }
    expect(seen).toEqual(Array.from({ length: 30 }, (_, i) => i));
    expect(await queue.getJobCounts('completed', 'failed', 'wait', 'active')).toEqual({ completed: 30, failed: 0, wait: 0, active: 0 });
  });

  it('the Lua error codes still become errors (finishing a job with a wrong lock token)', async () => {
    applyBullmqFixes();
    await queue.add('locked', { n: 1 });
    const worker = new Worker('fixes', null, { connection: redisConnection(TEST_REDIS_URL, 'worker'), prefix });
    try {
      const job = (await worker.getNextJob('right-token'))!;
      expect(job.name).toBe('locked');
      await expect(job.moveToCompleted('done', 'wrong-token', false)).rejects.toThrow(/Missing lock for job|lock/i);
      await job.moveToCompleted('done', 'right-token', false);
      expect(await job.getState()).toBe('completed');
    } finally {
      await worker.close();
    }
  });
});
