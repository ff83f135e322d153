import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { DASHBOARD_DIR, generateDashboards, renderDashboard } from './generate';

// `npm run grafana:build`: regenerate deploy/grafana/dashboards/*.json from the TypeScript definitions.
// Run from the repository root (npm does). The committed JSON must equal this output (test: stale check).
const dir = resolve(process.cwd(), DASHBOARD_DIR);
mkdirSync(dir, { recursive: true });
for (const [file, dashboard] of Object.entries(generateDashboards())) {
  writeFileSync(join(dir, file), renderDashboard(dashboard));
  console.log(`wrote ${join(DASHBOARD_DIR, file)} (${dashboard.panels.length} panels)`);
}
