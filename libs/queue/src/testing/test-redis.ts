import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';

/** The Redis server tests use (the machine's own, on 127.0.0.1:6379 unless told otherwise). */
export const TEST_REDIS_URL = process.env.VIRTCAP_TEST_REDIS_URL || 'redis://127.0.0.1:6379';

/** A BullMQ key prefix unique to this test file within the run; teardown removes everything under the run. */
export function testQueuePrefix(): string {
  const runId = process.env.VIRTCAP_TEST_RUN_ID ?? 'adhoc';
  return `virtcap_test_${runId}_${randomBytes(4).toString('hex')}`;
}

/** Deletes every key starting with `prefix` (SCAN, never KEYS). */
export async function deleteKeysByPrefix(prefix: string, url = TEST_REDIS_URL): Promise<number> {
  const redis = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 1 });
  await redis.connect();
  let deleted = 0;
  try {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
      cursor = next;
      if (keys.length > 0) deleted += await redis.del(...keys);
    } while (cursor !== '0');
  } finally {
    redis.disconnect();
  }
  return deleted;
}
