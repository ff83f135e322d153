import { describe, expect, it } from '@jest/globals';
import Ajv from 'ajv';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DASHBOARD_DIR, generateDashboards, renderDashboard } from './generate';
import type { Dashboard, Panel } from './model';

const root = process.cwd();
const schema = JSON.parse(readFileSync(join(root, 'tools/grafana/dashboard.schema.json'), 'utf8')) as object;
const committed = readdirSync(join(root, DASHBOARD_DIR))
  .filter((f) => f.endsWith('.json'))
  .sort();
const load = (f: string) => JSON.parse(readFileSync(join(root, DASHBOARD_DIR, f), 'utf8')) as Dashboard;
const leafPanels = (d: Dashboard): Panel[] => d.panels.flatMap((p) => (p.type === 'row' ? (p.panels ?? []) : [p]));

/** Every `"uid"` value anywhere in a JSON document. */
function uids(v: unknown, out: string[] = []): string[] {
  if (Array.isArray(v)) v.forEach((x) => uids(x, out));
  else if (v && typeof v === 'object') for (const [k, x] of Object.entries(v)) (k === 'uid' && typeof x === 'string' && out.push(x), uids(x, out));
  return out;
}

describe('committed Grafana dashboards', () => {
  const validate = new Ajv({ allErrors: true, strict: false }).compile(schema);

  it('are exactly the five generated ones (stale check: regenerate with npm run grafana:build)', () => {
    const fresh = generateDashboards();
    expect(committed).toEqual(Object.keys(fresh).sort());
    for (const [file, d] of Object.entries(fresh)) expect(readFileSync(join(root, DASHBOARD_DIR, file), 'utf8')).toBe(renderDashboard(d));
    expect(committed.map((f) => load(f).title).sort()).toEqual(['Capacity: HVM / passthrough / SR-IOV', 'Firmware & ACPI health', 'Fleet overview', 'Host detail', 'Regressions & alerts']);
  });

  it.each(committed)('%s validates against the dashboard schema', (file) => {
    const ok = validate(load(file));
    expect(validate.errors ?? []).toEqual([]);
    expect(ok).toBe(true);
  });

  it.each(committed)('%s uses only the virtcap-pg datasource, and SQL only over v_* views', (file) => {
    const d = load(file);
    expect([...new Set(uids(d).filter((u) => u !== d.uid))]).toEqual(['virtcap-pg']);
    const sqls = [...leafPanels(d).flatMap((p) => (p.targets ?? []).map((t) => t.rawSql)), ...d.templating.list.map((v) => v.query)];
    expect(sqls.length).toBeGreaterThan(0);
    for (const q of sqls) {
      const relations = [...q.matchAll(/\b(?:FROM|JOIN)\s+("?[A-Za-z_][A-Za-z0-9_]*"?)/gi)].map((m) => m[1]!.replace(/"/g, ''));
      expect(relations.length).toBeGreaterThan(0);
      for (const r of relations) expect(r).toMatch(/^v_/);
    }
  });

  it.each(committed)('%s has unique panel ids and titles, and no overlapping panels', (file) => {
    const d = load(file);
    const ps = d.panels;
    expect(new Set(ps.map((p) => p.id)).size).toBe(ps.length);
    const titles = leafPanels(d).map((p) => p.title);
    expect(titles.filter((x, i) => titles.indexOf(x) !== i)).toEqual([]);
    for (let i = 0; i < ps.length; i++) {
      for (let j = i + 1; j < ps.length; j++) {
        const a = ps[i]!.gridPos;
        const b = ps[j]!.gridPos;
        const overlap = a.x < b.x + b.w && b.x < a.x + a.w && a.y < b.y + b.h && b.y < a.y + a.h;
        expect(overlap ? `${ps[i]!.title} overlaps ${ps[j]!.title}` : '').toBe('');
      }
    }
  });

  it('the schema rejects a broken gridPos, a foreign datasource and a non-SQL target', () => {
    const d = structuredClone(load('host-detail.json'));
    const p = d.panels[1]!;
    p.gridPos = { x: 20, y: 0, w: 30, h: 0 };
    p.datasource = { type: 'prometheus', uid: 'prom' } as never;
    (p.targets![0] as unknown as Record<string, unknown>).expr = 'up';
    expect(validate(d)).toBe(false);
    const paths = (validate.errors ?? []).map((e) => e.instancePath);
    expect(paths).toEqual(expect.arrayContaining(['/panels/1/gridPos/w', '/panels/1/gridPos/h', '/panels/1/datasource/uid', '/panels/1/targets/0']));
  });
});
