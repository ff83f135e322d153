import { Injectable } from '@nestjs/common';
import { Db } from '../db';

/** An alert with the host it concerns and the events that fired or updated it (via `alert_events`). */
export interface AlertWithEvents {
  id: string;
  hostId: string;
  hostname: string;
  kind: string;
  severity: string;
  state: string;
  summary: string;
  firedAt: Date;
  resolvedAt: Date | null;
  updatedAt: Date;
  events: { id: string; type: string; severity: string; message: string; details: unknown; snapshotId: string; occurredAt: string }[];
}

/** Alert read queries for the API (the worker owns alert writes). */
@Injectable()
export class AlertReadRepository {
  constructor(private readonly db: Db) {}

  /** Alerts, newest first, optionally only one state (`firing` | `resolved`), each with its events. */
  async listAlerts(opts: { state?: string; limit: number }): Promise<AlertWithEvents[]> {
    const params: unknown[] = [opts.limit];
    const where = opts.state ? `WHERE a.state = $2` : '';
    if (opts.state) params.push(opts.state);
    const r = await this.db.pool.query(
      `SELECT a.id, a.host_id AS "hostId", h.hostname, a.kind, a.severity, a.state, a.summary, a.fired_at AS "firedAt",
              a.resolved_at AS "resolvedAt", a.updated_at AS "updatedAt",
              COALESCE((SELECT jsonb_agg(jsonb_build_object('id', e.id::text, 'type', e.type, 'severity', e.severity,
                         'message', e.message, 'details', e.details, 'snapshotId', e.snapshot_id, 'occurredAt', e.occurred_at)
                         ORDER BY e.occurred_at, e.id)
                  FROM alert_events ae JOIN events e ON e.id = ae.event_id WHERE ae.alert_id = a.id), '[]'::jsonb) AS events
         FROM alerts a JOIN hosts h ON h.id = a.host_id ${where}
        ORDER BY a.fired_at DESC, a.id LIMIT $1`,
      params,
    );
    return r.rows as AlertWithEvents[];
  }
}
