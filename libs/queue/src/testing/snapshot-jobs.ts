import type { Job, JobType, Queue } from 'bullmq';
import { inflateSnapshotPayload } from '../jobs';

/** One snapshot payload found in the queue ({hostId, receivedAt, snapshot}). */
export interface QueuedSnapshot {
  hostId: string;
  receivedAt: string;
  snapshot: { snapshotId: string; collectedAt?: string; [k: string]: unknown };
}

/** Whether a job carries snapshots ('snapshot.batch' from the API, or a single 'snapshot.normalize'). */
export const isSnapshotJob = (job: Job | undefined | null): job is Job => job?.name === 'snapshot.batch' || job?.name === 'snapshot.normalize';

/** The snapshot payloads a job carries (none for other jobs), gzip bodies inflated. */
export function snapshotsOfJob(job: Job | undefined | null): QueuedSnapshot[] {
  if (!job) return [];
  if (job.name === 'snapshot.normalize') return [inflateSnapshotPayload(job.data) as QueuedSnapshot];
  if (job.name === 'snapshot.batch') return ((job.data as { items?: unknown[] }).items ?? []).filter((i) => i && typeof i === 'object').map((i) => inflateSnapshotPayload(i) as QueuedSnapshot);
  return [];
}

/** The snapshot ids a job carries. */
export const snapshotIdsOfJob = (job: Job | undefined | null): string[] => snapshotsOfJob(job).map((s) => s.snapshot?.snapshotId);

/** Every job in `states` holding `snapshotId`, with that payload. */
export async function findSnapshotJobs(
  queue: Queue,
  snapshotId: string,
  states: JobType[] = ['waiting', 'active', 'delayed', 'prioritized', 'completed', 'failed'],
): Promise<{ job: Job; item: QueuedSnapshot }[]> {
  const found: { job: Job; item: QueuedSnapshot }[] = [];
  for (const job of await queue.getJobs(states)) {
    for (const item of snapshotsOfJob(job)) if (item.snapshot?.snapshotId === snapshotId) found.push({ job, item });
  }
  return found;
}
