import { Injectable } from '@nestjs/common';
import type { Queryable } from './queryable';

/** A job that could not be processed, kept for people to look at and replay. */
export interface DeadLetterInput {
  queue: string;
  snapshotId: string | null;
  reason: string;
  payload: unknown;
}

/** `dead_letters` rows: poison jobs (schema, missing host, parser bug) and jobs out of retries. */
@Injectable()
export class DeadLetterRepository {
  /** Stores one dead letter; returns its id. */
  async insert(q: Queryable, d: DeadLetterInput): Promise<string> {
    const r = await q.query<{ id: string }>(
      `INSERT INTO dead_letters (snapshot_id, queue, reason, payload) VALUES ($1, $2, $3, $4::jsonb) RETURNING id::text`,
      [d.snapshotId, d.queue, d.reason.slice(0, 4000), JSON.stringify(d.payload ?? null)],
    );
    return r.rows[0]!.id;
  }

  /** Dead letters for one snapshot id, newest first. */
  async forSnapshot(q: Queryable, snapshotId: string): Promise<Array<{ id: string; queue: string; reason: string }>> {
    const r = await q.query<{ id: string; queue: string; reason: string }>(
      `SELECT id::text, queue, reason FROM dead_letters WHERE snapshot_id = $1 ORDER BY id DESC`,
      [snapshotId],
    );
    return r.rows;
  }
}
