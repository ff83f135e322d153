import type { ClientBase } from 'pg';
import { expandGrafanaSql, type VariableState } from '../../tools/grafana/macros';
import type { Dashboard, Panel, QueryVariable } from '../../tools/grafana/model';

/** Grafana relative time ('now', 'now-7d', 'now-24h', 'now-1y') against a fixed `now`. */
export function relativeTime(expr: string, now: Date): Date {
  if (expr === 'now') return now;
  const m = /^now-(\d+)([smhdwy])$/.exec(expr);
  if (!m) throw new Error(`unsupported time ${expr}`);
  const unit: Record<string, number> = { s: 1e3, m: 6e4, h: 3.6e6, d: 8.64e7, w: 6.048e8, y: 3.1536e10 };
  return new Date(now.getTime() - Number(m[1]) * unit[m[2]!]!);
}

export type Row = Record<string, unknown>;

/** Resolves the dashboard's query variables in order, as Grafana does on load (later ones see earlier ones). */
export async function resolveVariables(
  pool: ClientBase,
  d: Dashboard,
  range: { from: Date; to: Date },
  selection: Record<string, string | string[]> = {},
): Promise<Record<string, VariableState>> {
  const variables: Record<string, VariableState> = {};
  for (const v of d.templating.list as QueryVariable[]) {
    const { rows } = await pool.query<Row>(expandGrafanaSql(v.query, { ...range, variables }));
    const options = rows.map((r) => String('__value' in r ? r.__value : Object.values(r)[0]));
    const chosen = selection[v.name] ?? (v.includeAll ? '$__all' : options[0]);
    if (chosen === undefined) throw new Error(`variable ${v.name} has no options`);
    variables[v.name] = { value: chosen, multi: v.multi, includeAll: v.includeAll, options };
  }
  return variables;
}

export const leafPanels = (d: Dashboard): Panel[] => d.panels.flatMap((p) => (p.type === 'row' ? (p.panels ?? []) : [p]));

/** Runs every panel target of a dashboard; returns rows by panel title (titles are unique per dashboard). */
export async function runDashboard(pool: ClientBase, d: Dashboard, now: Date, selection: Record<string, string | string[]> = {}): Promise<Map<string, Row[]>> {
  const range = { from: relativeTime(d.time.from, now), to: relativeTime(d.time.to, now) };
  const variables = await resolveVariables(pool, d, range, selection);
  const out = new Map<string, Row[]>();
  for (const p of leafPanels(d)) {
    for (const t of p.targets ?? []) {
      const sql = expandGrafanaSql(t.rawSql, { ...range, variables });
      try {
        out.set(p.title, (await pool.query<Row>(sql)).rows);
      } catch (e) {
        throw new Error(`${d.title} / ${p.title}: ${(e as Error).message}\n${sql}`, { cause: e });
      }
    }
  }
  return out;
}
