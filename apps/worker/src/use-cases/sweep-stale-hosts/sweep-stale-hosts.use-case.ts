import type { Pool } from 'pg';
import type { AlertRepository } from '../../../../../libs/db/src/repositories/alert.repository';
import type { WorkerMetrics } from '../../metrics/worker-metrics';
import type { NotificationOutbox } from '../../notifications/notification-outbox';
import { ALERT_SUMMARY } from '../raise-alerts/alert-rules';

/**
 * The minute sweep ('hosts.stale-sweep'): open `host_stale` for hosts not seen for VIRTCAP_STALE_AFTER,
 * resolve it for hosts seen again, in one transaction with their delivery rows; then (outbox) re-enqueue
 * deliveries still pending after a minute, whose job may have been lost between commit and enqueue.
 */
export class SweepStaleHostsUseCase {
  constructor(
    private readonly pool: Pool,
    private readonly alerts: AlertRepository,
    private readonly outbox: NotificationOutbox,
    private readonly channels: readonly string[],
    private readonly staleAfterMs: number,
    private readonly metrics: WorkerMetrics,
  ) {}

  async execute(): Promise<{ raised: number; resolved: number; requeued: number }> {
    const client = await this.pool.connect();
    const deliveryIds: string[] = [];
    let raised = 0;
    let resolved = 0;
    try {
      await client.query('BEGIN');
      for (const a of await this.alerts.raiseStale(client, this.staleAfterMs, ALERT_SUMMARY.host_stale)) {
        raised++;
        this.metrics.alertsFired.inc({ kind: 'host_stale' });
        deliveryIds.push(...(await this.alerts.createDeliveries(client, a.id, this.channels, 'firing')));
      }
      for (const id of await this.alerts.resolveStale(client, this.staleAfterMs)) {
        resolved++;
        this.metrics.alertsResolved.inc({ kind: 'host_stale' });
        deliveryIds.push(...(await this.alerts.createDeliveries(client, id, this.channels, 'resolved')));
      }
      await client.query('COMMIT');
    } catch (e) {
      await client.query('ROLLBACK').catch(() => undefined); // the original error is what matters
      throw e;
    } finally {
      client.release();
    }
    await this.outbox.enqueue(deliveryIds);
    const stuck = await this.alerts.pendingDeliveryIds(this.pool, 60_000);
    await this.outbox.enqueue(stuck);
    return { raised, resolved, requeued: stuck.length };
  }
}
