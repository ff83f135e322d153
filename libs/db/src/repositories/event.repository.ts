import { Injectable } from '@nestjs/common';
import type { Queryable } from './queryable';

/** A change event to append (from `compareSnapshots` in libs/verdicts). */
export interface EventInput {
  type: string;
  severity: string;
  message: string;
  details: Record<string, unknown>;
}

/** An event row as stored. */
export interface EventRow {
  id: string;
  host_id: string;
  type: string;
  severity: string;
  message: string;
  details: Record<string, unknown>;
  snapshot_id: string;
  prev_snapshot_id: string | null;
  occurred_at: Date;
}

/**
 * Append-only change events. `(snapshot_id, type)` is unique, so replaying a snapshot never duplicates
 * an event: the insert answers only the rows it really added.
 */
@Injectable()
export class EventRepository {
  /** Inserts the events of one snapshot; returns `{id, type}` of the rows that were new. */
  async append(q: Queryable, hostId: string, snapshotId: string, prevSnapshotId: string | null, occurredAt: string, events: EventInput[]): Promise<Array<{ id: string; type: string }>> {
    if (events.length === 0) return [];
    const r = await q.query<{ id: string; type: string }>(
      `INSERT INTO events (host_id, type, severity, message, details, snapshot_id, prev_snapshot_id, occurred_at)
       SELECT $1, t, s, m, d::jsonb, $2, $3, $4 FROM unnest($5::text[], $6::text[], $7::text[], $8::text[]) AS x(t, s, m, d)
       ON CONFLICT (snapshot_id, type) DO NOTHING
       RETURNING id::text, type`,
      [hostId, snapshotId, prevSnapshotId, occurredAt, events.map((e) => e.type), events.map((e) => e.severity), events.map((e) => e.message), events.map((e) => JSON.stringify(e.details))],
    );
    return r.rows;
  }

  /** Events linked to an alert (`alert_events`), oldest first. */
  async forAlert(q: Queryable, alertId: string): Promise<EventRow[]> {
    const r = await q.query<EventRow>(
      `SELECT e.id::text AS id, e.host_id, e.type, e.severity, e.message, e.details, e.snapshot_id, e.prev_snapshot_id, e.occurred_at
         FROM alert_events ae JOIN events e ON e.id = ae.event_id WHERE ae.alert_id = $1 ORDER BY e.id`,
      [alertId],
    );
    return r.rows;
  }
}
