import { AlertRepository } from '../../../../../libs/db/src/repositories/alert.repository';
import type { Queryable } from '../../../../../libs/db/src/repositories/queryable';
import type { WorkerMetrics } from '../../metrics/worker-metrics';
import type { FirePlan, ResolvePlan } from './alert-rules';

/** What one host's alert transitions produced: the delivery rows to enqueue after commit. */
export interface AlertTransitionResult {
  deliveryIds: string[];
  fired: string[];
  resolved: string[];
}

/**
 * Writes a host's alert plan inside the caller's transaction (which holds the host lock): open or keep
 * alerts, link them to their events, resolve the ones whose capability came back, and create one
 * `notification_deliveries` row per channel for every real transition (a still-open alert gets none).
 */
export class RaiseAlertsUseCase {
  constructor(
    private readonly alerts: AlertRepository,
    private readonly channels: readonly string[],
    private readonly metrics: WorkerMetrics,
  ) {}

  async execute(q: Queryable, hostId: string, plan: { fire: FirePlan[]; resolve: ResolvePlan[] }, events: Array<{ id: string; type: string }>): Promise<AlertTransitionResult> {
    const out: AlertTransitionResult = { deliveryIds: [], fired: [], resolved: [] };
    const idsOf = (types: string[]) => events.filter((e) => types.includes(e.type)).map((e) => e.id);
    for (const f of plan.fire) {
      const a = await this.alerts.fire(q, { hostId, kind: f.kind, severity: f.severity, summary: f.summary });
      await this.alerts.linkEvents(q, a.id, idsOf(f.eventTypes));
      if (a.created) {
        out.fired.push(a.id);
        out.deliveryIds.push(...(await this.alerts.createDeliveries(q, a.id, this.channels, 'firing')));
        this.metrics.alertsFired.inc({ kind: f.kind });
      }
    }
    if (plan.resolve.length > 0) {
      const open = await this.alerts.openForHost(q, hostId);
      for (const r of plan.resolve) {
        for (const a of open.filter((x) => x.kind === r.kind)) {
          if (!(await this.alerts.resolve(q, a.id))) continue;
          await this.alerts.linkEvents(q, a.id, idsOf(r.eventTypes));
          out.resolved.push(a.id);
          out.deliveryIds.push(...(await this.alerts.createDeliveries(q, a.id, this.channels, 'resolved')));
          this.metrics.alertsResolved.inc({ kind: r.kind });
        }
      }
    }
    return out;
  }
}
