import type { Dashboard } from './model';
import { capacity } from './dashboards/capacity';
import { firmware } from './dashboards/firmware';
import { fleetOverview } from './dashboards/fleet-overview';
import { hostDetail } from './dashboards/host-detail';
import { regressions } from './dashboards/regressions';

/** Every dashboard virtcap ships, keyed by the file name it is written to under deploy/grafana/dashboards. */
export function generateDashboards(): Record<string, Dashboard> {
  return {
    'fleet-overview.json': fleetOverview(),
    'capacity.json': capacity(),
    'firmware-acpi-health.json': firmware(),
    'host-detail.json': hostDetail(),
    'regressions-alerts.json': regressions(),
  };
}

/** The exact text committed for a dashboard (2-space JSON, trailing newline), so the stale check can compare bytes. */
export const renderDashboard = (d: Dashboard): string => `${JSON.stringify(d, null, 2)}\n`;

/** Where the generated JSON lives, relative to the repository root. */
export const DASHBOARD_DIR = 'deploy/grafana/dashboards';
