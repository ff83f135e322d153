import type { Pool } from 'pg';
import type { AlertRepository } from '../../../../../libs/db/src/repositories/alert.repository';
import type { EventRepository } from '../../../../../libs/db/src/repositories/event.repository';
import { Jobs } from '../../../../../libs/queue/src';
import { PoisonJobError } from '../../errors';
import type { WorkerMetrics } from '../../metrics/worker-metrics';
import { alertmanagerRequest, webhookRequest, type OutgoingRequest } from '../../notifications/channels';

/** Receiver settings (from getEnv and the worker config). */
export interface ReceiverSettings {
  webhookUrl?: string;
  webhookSecret?: string;
  alertmanagerUrl?: string;
  publicUrl: string;
  timeoutMs?: number;
}

/**
 * Deliver one `notification_deliveries` row. Already delivered → nothing. A non-2xx answer or network
 * error counts the attempt and throws, so BullMQ retries with exponential backoff (the receiver being
 * down delays delivery, never loses it); success marks the row delivered with its attempt count. A
 * `resolved` waits (retries) while the same alert's `firing` on that channel is still pending.
 */
export class DeliverNotificationUseCase {
  constructor(
    private readonly pool: Pool,
    private readonly alerts: AlertRepository,
    private readonly events: EventRepository,
    private readonly settings: ReceiverSettings,
    private readonly metrics: WorkerMetrics,
  ) {}

  async execute(data: unknown, final: boolean): Promise<'delivered' | 'already' | 'gone'> {
    const parsed = Jobs['alert.notify'].safeParse(data);
    if (!parsed.success) throw new PoisonJobError('schema', parsed.error.message);
    const row = await this.alerts.loadDelivery(this.pool, parsed.data.deliveryId);
    if (!row) return 'gone';
    if (row.delivery.status === 'delivered') return 'already';
    // Keep per-alert order: retries back off independently, so a `resolved` could overtake its `firing`.
    // On the last attempt it goes anyway (late and out of order beats never).
    if (row.delivery.transition === 'resolved' && !final && (await this.alerts.firingPending(this.pool, row.alert.id, row.delivery.channel))) {
      throw new Error('waiting for the firing notification of this alert');
    }
    const events = await this.events.forAlert(this.pool, row.alert.id);
    const payload = { deliveryId: row.delivery.id, transition: row.delivery.transition, alert: row.alert, host: row.host, events };
    const req = this.request(row.delivery.channel, payload);
    if (!req) throw new PoisonJobError('schema', `channel ${row.delivery.channel} is not configured`);
    try {
      const res = await fetch(req.url, { method: 'POST', headers: req.headers, body: req.body, signal: AbortSignal.timeout(this.settings.timeoutMs ?? 10_000) });
      await res.arrayBuffer().catch(() => undefined); // drain the body so the socket is reused; its content does not matter
      if (!res.ok) throw new Error(`${row.delivery.channel} answered HTTP ${res.status}`);
    } catch (e) {
      const msg = e instanceof Error ? e.message : String(e);
      await this.alerts.markAttemptFailed(this.pool, row.delivery.id, msg, final);
      this.metrics.notifications.inc({ channel: row.delivery.channel, result: 'error' });
      throw e;
    }
    await this.alerts.markDelivered(this.pool, row.delivery.id);
    this.metrics.notifications.inc({ channel: row.delivery.channel, result: 'delivered' });
    return 'delivered';
  }

  private request(channel: string, p: Parameters<typeof webhookRequest>[2]): OutgoingRequest | undefined {
    const s = this.settings;
    if (channel === 'webhook' && s.webhookUrl) return webhookRequest(s.webhookUrl, s.webhookSecret, p);
    if (channel === 'alertmanager' && s.alertmanagerUrl) return alertmanagerRequest(s.alertmanagerUrl, s.publicUrl, p);
    return undefined;
  }
}
