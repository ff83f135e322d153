import { z } from 'zod';
import { SnapshotSchema } from '../../contracts/src';

/** Queue names: snapshots to normalize, notifications to deliver, and the dead-letter queue. */
export const QueueName = {
  Snapshots: 'snapshots',
  Notifications: 'notifications',
  DeadLetter: 'dead-letter',
} as const;
export type QueueName = (typeof QueueName)[keyof typeof QueueName];

/**
 * Job names mapped to payload schemas; every name has exactly one handler. Payloads in Redis may have
 * been written by an older deploy, so consumers re-parse them with these schemas.
 */
export const Jobs = {
  /** A snapshot accepted by the API, with the host it authenticated as. */
  'snapshot.normalize': z.object({
    hostId: z.uuid(),
    receivedAt: z.iso.datetime(),
    snapshot: SnapshotSchema,
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

/** The job id that makes a resend of the same snapshot a no-op in BullMQ (ids must not contain `:`). */
export const snapshotJobId = (snapshotId: string): string => `snap-${snapshotId}`;
