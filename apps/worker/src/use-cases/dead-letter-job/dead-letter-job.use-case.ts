import type { Queue } from 'bullmq';
import type { Pool } from 'pg';
import type { DeadLetterRepository } from '../../../../../libs/db/src/repositories/dead-letter.repository';
import { inflateSnapshotPayload, snapshotKeysOf, type JobData } from '../../../../../libs/queue/src';

/** The snapshot id of a payload, when it has one (payloads that failed the schema may not). */
export function snapshotIdOf(data: unknown): string | undefined {
  return snapshotKeysOf(data).snapshotId?.slice(0, 64);
}

/** A snapshot payload as people read it: a gzip body inflated to its JSON when it can be, else as it came. */
function readable(payload: unknown): unknown {
  try {
    return inflateSnapshotPayload(payload);
  } catch {
    return payload; // the reason says why it could not be read
  }
}

/**
 * Park a job that cannot be processed: a `dead_letters` row and a 'dead-letter' job with the reason.
 * Each write is tried on its own, so PostgreSQL being down (the usual reason a job ran out of retries)
 * still leaves the Redis copy; an error is thrown only when both failed.
 */
export class DeadLetterJobUseCase {
  constructor(
    private readonly pool: Pool,
    private readonly repo: DeadLetterRepository,
    private readonly queue: Queue,
  ) {}

  async execute(queueName: string, jobName: string, parked: unknown, reason: string): Promise<void> {
    const payload = readable(parked);
    const snapshotId = snapshotIdOf(parked);
    const errors: unknown[] = [];
    await this.repo.insert(this.pool, { queue: queueName, snapshotId: snapshotId ?? null, reason, payload }).catch((e: unknown) => errors.push(e));
    const data: JobData<'dead-letter'> = { queue: queueName, jobName, ...(snapshotId ? { snapshotId } : {}), reason, payload };
    await this.queue.add('dead-letter', data, { removeOnComplete: false, removeOnFail: false }).catch((e: unknown) => errors.push(e));
    if (errors.length === 2) throw new AggregateError(errors, 'could not dead-letter the job');
  }
}
