import { Injectable, OnApplicationShutdown } from '@nestjs/common';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { getEnv } from '../../../../libs/config/src';
import { QueueName, redisConnection, snapshotJobOptions } from '../../../../libs/queue/src';

/**
 * The API's Redis handles: one ioredis client (rate limits, idempotency keys, health) and the snapshots
 * queue producer. Producers fail fast when Redis is down (no offline queue), so callers can answer 503.
 */
@Injectable()
export class RedisHandles implements OnApplicationShutdown {
  readonly redis: Redis;
  readonly snapshots: Queue;
  readonly deadLetter: Queue;
  readonly prefix: string;

  constructor() {
    const env = getEnv();
    this.prefix = env.VIRTCAP_QUEUE_PREFIX;
    const conn = redisConnection(env.REDIS_URL, 'producer');
    this.redis = new Redis({ ...(conn as object), lazyConnect: false });
    this.redis.on('error', () => undefined); // surfaced through /readyz and per-request 503s
    this.snapshots = new Queue(QueueName.Snapshots, {
      connection: this.redis,
      prefix: this.prefix,
      defaultJobOptions: snapshotJobOptions(env.VIRTCAP_JOB_ATTEMPTS),
    });
    this.deadLetter = new Queue(QueueName.DeadLetter, { connection: this.redis, prefix: this.prefix });
    this.snapshots.on('error', () => undefined);
    this.deadLetter.on('error', () => undefined);
  }

  async ping(): Promise<void> {
    const res = await this.redis.ping();
    if (res !== 'PONG') throw new Error(`unexpected PING reply ${res}`);
  }

  async onApplicationShutdown(): Promise<void> {
    await this.snapshots.close();
    await this.deadLetter.close();
    this.redis.disconnect();
  }
}

