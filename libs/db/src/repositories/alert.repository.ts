import { Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import type { Queryable } from './queryable';

/** An alert row as stored. `open_key` is `"<hostId>:<kind>"` while firing and NULL once resolved. */
export interface AlertRow {
  id: string;
  host_id: string;
  kind: string;
  severity: string;
  state: 'firing' | 'resolved';
  summary: string;
  fired_at: Date;
  resolved_at: Date | null;
  updated_at: Date;
}

/** A notification to send: one alert transition to one channel. */
export interface DeliveryRow {
  id: string;
  alert_id: string;
  channel: string;
  transition: 'firing' | 'resolved';
  status: 'pending' | 'delivered' | 'failed';
  attempts: number;
  last_error: string | null;
  delivered_at: Date | null;
}

/** The host fields a notification carries. */
export interface AlertHostRow {
  id: string;
  hostname: string;
  machine_id: string;
  labels: Record<string, string>;
  last_seen_at: Date | null;
}

/** The open-key of one alert kind on one host (unique while firing: one open alert per host and kind). */
export const openKey = (hostId: string, kind: string): string => `${hostId}:${kind}`;

/**
 * Alerts, their links to events, and the notification outbox. Transitions (fire, resolve) and their
 * `notification_deliveries` rows are written in the caller's transaction, so a transition is never
 * stored without its deliveries or vice versa.
 */
@Injectable()
export class AlertRepository {
  /** Opens the alert, or finds the one already open for this host and kind; `created` tells which. */
  async fire(q: Queryable, a: { hostId: string; kind: string; severity: string; summary: string }): Promise<{ id: string; created: boolean }> {
    const r = await q.query<{ id: string; created: boolean }>(
      `INSERT INTO alerts (id, host_id, kind, severity, state, summary, open_key) VALUES ($1, $2, $3, $4, 'firing', $5, $6)
       ON CONFLICT (open_key) DO UPDATE SET updated_at = now()
       RETURNING id, (xmax = 0) AS created`,
      [randomUUID(), a.hostId, a.kind, a.severity, a.summary, openKey(a.hostId, a.kind)],
    );
    return r.rows[0]!;
  }

  /** Links events to an alert (idempotent). */
  async linkEvents(q: Queryable, alertId: string, eventIds: string[]): Promise<void> {
    if (eventIds.length === 0) return;
    await q.query(
      `INSERT INTO alert_events (alert_id, event_id) SELECT $1, unnest($2::bigint[]) ON CONFLICT DO NOTHING`,
      [alertId, eventIds],
    );
  }

  /** The host's firing alerts. */
  async openForHost(q: Queryable, hostId: string): Promise<Array<{ id: string; kind: string }>> {
    const r = await q.query<{ id: string; kind: string }>(`SELECT id, kind FROM alerts WHERE host_id = $1 AND open_key IS NOT NULL`, [hostId]);
    return r.rows;
  }

  /** Resolves a firing alert (frees its open key; history stays); false when it was not firing. */
  async resolve(q: Queryable, alertId: string): Promise<boolean> {
    const r = await q.query(
      `UPDATE alerts SET state = 'resolved', open_key = NULL, resolved_at = now(), updated_at = now() WHERE id = $1 AND open_key IS NOT NULL`,
      [alertId],
    );
    return (r.rowCount ?? 0) > 0;
  }

  /** Outbox rows for one transition, one per channel; returns the ids that are new. */
  async createDeliveries(q: Queryable, alertId: string, channels: readonly string[], transition: 'firing' | 'resolved'): Promise<string[]> {
    if (channels.length === 0) return [];
    const r = await q.query<{ id: string }>(
      `INSERT INTO notification_deliveries (id, alert_id, channel, transition, status)
       SELECT gen_random_uuid(), $1, unnest($2::text[]), $3, 'pending'
       ON CONFLICT (alert_id, channel, transition) DO NOTHING RETURNING id`,
      [alertId, [...channels], transition],
    );
    return r.rows.map((x) => x.id);
  }

  /** A delivery with its alert and host, or undefined when the row is gone. */
  async loadDelivery(q: Queryable, deliveryId: string): Promise<{ delivery: DeliveryRow; alert: AlertRow; host: AlertHostRow } | undefined> {
    const r = await q.query<{ d: DeliveryRow; a: AlertRow; h: AlertHostRow }>(
      `SELECT row_to_json(d) AS d, row_to_json(a) AS a,
              json_build_object('id', h.id, 'hostname', h.hostname, 'machine_id', h.machine_id, 'labels', h.labels, 'last_seen_at', h.last_seen_at) AS h
         FROM notification_deliveries d JOIN alerts a ON a.id = d.alert_id JOIN hosts h ON h.id = a.host_id
        WHERE d.id = $1`,
      [deliveryId],
    );
    const row = r.rows[0];
    return row ? { delivery: row.d, alert: row.a, host: row.h } : undefined;
  }

  /**
   * Whether the alert's `firing` transition on `channel` is still pending: its `resolved` transition must
   * wait, so a receiver sees an alert fire before it resolves (each transition is its own retried job).
   */
  async firingPending(q: Queryable, alertId: string, channel: string): Promise<boolean> {
    const r = await q.query(
      `SELECT 1 FROM notification_deliveries WHERE alert_id = $1 AND channel = $2 AND transition = 'firing' AND status = 'pending'`,
      [alertId, channel],
    );
    return (r.rowCount ?? 0) > 0;
  }

  /** Counts an attempt that reached the receiver and succeeded. */
  async markDelivered(q: Queryable, deliveryId: string): Promise<void> {
    await q.query(`UPDATE notification_deliveries SET status = 'delivered', attempts = attempts + 1, delivered_at = now(), last_error = NULL WHERE id = $1`, [deliveryId]);
  }

  /** Counts a failed attempt; `final` marks the row failed (out of retries), otherwise it stays pending. */
  async markAttemptFailed(q: Queryable, deliveryId: string, error: string, final: boolean): Promise<void> {
    await q.query(
      `UPDATE notification_deliveries SET attempts = attempts + 1, last_error = $2, status = CASE WHEN $3 THEN 'failed' ELSE status END WHERE id = $1`,
      [deliveryId, error.slice(0, 2000), final],
    );
  }

  /** Pending deliveries older than `olderThanMs` (their job may have been lost if Redis failed after commit). */
  async pendingDeliveryIds(q: Queryable, olderThanMs: number, limit = 1000): Promise<string[]> {
    const r = await q.query<{ id: string }>(
      `SELECT id FROM notification_deliveries WHERE status = 'pending' AND created_at < now() - make_interval(secs => $1::double precision / 1000)
        ORDER BY created_at LIMIT $2`,
      [olderThanMs, limit],
    );
    return r.rows.map((x) => x.id);
  }

  /** Opens `host_stale` for every live host not seen for `staleAfterMs`; returns the new alerts. */
  async raiseStale(q: Queryable, staleAfterMs: number, summary: string): Promise<Array<{ id: string; host_id: string }>> {
    const r = await q.query<{ id: string; host_id: string }>(
      `INSERT INTO alerts (id, host_id, kind, severity, state, summary, open_key)
       SELECT gen_random_uuid(), h.id, 'host_stale', 'warning', 'firing', $2, h.id::text || ':host_stale'
         FROM hosts h
        WHERE h.revoked_at IS NULL AND h.last_seen_at IS NOT NULL
          AND h.last_seen_at < now() - make_interval(secs => $1::double precision / 1000)
       ON CONFLICT (open_key) DO NOTHING
       RETURNING id, host_id`,
      [staleAfterMs, summary],
    );
    return r.rows;
  }

  /** Resolves `host_stale` for hosts seen again (or revoked); returns the resolved alert ids. */
  async resolveStale(q: Queryable, staleAfterMs: number): Promise<string[]> {
    const r = await q.query<{ id: string }>(
      `UPDATE alerts a SET state = 'resolved', open_key = NULL, resolved_at = now(), updated_at = now()
         FROM hosts h
        WHERE a.kind = 'host_stale' AND a.open_key IS NOT NULL AND h.id = a.host_id
          AND (h.revoked_at IS NOT NULL OR h.last_seen_at >= now() - make_interval(secs => $1::double precision / 1000))
       RETURNING a.id`,
      [staleAfterMs],
    );
    return r.rows.map((x) => x.id);
  }
}
