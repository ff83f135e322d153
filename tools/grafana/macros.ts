/**
 * Grafana's SQL query expansion, as the PostgreSQL datasource does it, so tests can run the committed
 * panel and alert queries against a real database:
 *
 * 1. Template variables (frontend, `templateSrv.replace` with the SQL datasource's `interpolateVariable`):
 *    `$name`, `${name}`, `${name:format}`, `[[name]]`, `[[name:format]]`. Without a format, a multi-value or
 *    include-All variable becomes a comma-separated list of single-quoted literals (`'` doubled); a plain
 *    single-value variable is inserted with `'` doubled but no quotes. Formats: `sqlstring` (quoted list),
 *    `raw`, `csv`, `singlequote`, `doublequote`. "All" without a custom all-value is the list of every
 *    option; with one, the all-value is inserted as is. Unknown names (e.g. `$__timeFilter`) are left alone.
 * 2. Macros (backend, `pkg/tsdb/grafana-postgresql-datasource/macros.go`): `$__time(c)` → `c AS "time"`,
 *    `$__timeEpoch(c)`, `$__timeFilter(c)` → `c BETWEEN '<from>' AND '<to>'` (RFC 3339, UTC),
 *    `$__timeFrom()`, `$__timeTo()`, `$__timeGroup(c,'5m'[,fill])` → `floor(extract(epoch from c)/300)*300`,
 *    `$__timeGroupAlias(...)` (the same plus ` AS "time"`), `$__unixEpochFilter(c)`, `$__unixEpochFrom()`,
 *    `$__unixEpochTo()`, `$__unixEpochGroup(c,'5m')`, `$__unixEpochGroupAlias(...)`; `$__interval` and
 *    `$__interval_ms` are variables. An unknown macro is an error, as in Grafana.
 */

/** The state of one template variable at query time. */
export interface VariableState {
  /** Selected value(s); `'$__all'` (or `['$__all']`) means "All". */
  value: string | string[];
  multi: boolean;
  includeAll: boolean;
  /** Every option value (without "All"), used when All is selected and there is no `allValue`. */
  options: string[];
  allValue?: string;
}

export interface ExpandContext {
  from: Date;
  to: Date;
  variables: Record<string, VariableState>;
  /** `$__interval` in milliseconds (Grafana derives it from the panel width); 60 s by default. */
  intervalMs?: number;
}

const quoteLiteral = (v: string): string => `'${v.replace(/'/g, "''")}'`;

/** Go's time.RFC3339Nano in UTC: no fraction when it is zero, trailing zeros trimmed otherwise. */
export function rfc3339(d: Date): string {
  const iso = d.toISOString(); // 2026-11-25T14:00:00.120Z
  return iso.replace(/\.(\d{3})Z$/, (_m, ms: string) => (ms === '000' ? 'Z' : `.${ms.replace(/0+$/, '')}Z`));
}

/** Grafana interval strings ('30s', '1m', '5m', '1h', '1d', '1w', '500ms') to seconds. */
export function intervalSeconds(s: string): number {
  const m = /^(\d+)(ms|s|m|h|d|w|y)$/.exec(s.trim().replace(/^'|'$/g, ''));
  if (!m) throw new Error(`invalid interval ${JSON.stringify(s)}`);
  const n = Number(m[1]);
  const unit: Record<string, number> = { ms: 0.001, s: 1, m: 60, h: 3600, d: 86400, w: 604800, y: 31536000 };
  return n * unit[m[2]!]!;
}

function formatValues(values: string[], state: VariableState, format: string | undefined, isAll: boolean): string {
  if (isAll && state.allValue !== undefined) return state.allValue;
  switch (format) {
    case undefined:
      if (state.multi || state.includeAll) return values.map(quoteLiteral).join(',');
      return values.map((v) => v.replace(/'/g, "''")).join(',');
    case 'sqlstring':
      return values.map(quoteLiteral).join(',');
    case 'raw':
    case 'csv':
      return values.join(',');
    case 'singlequote':
      return values.map((v) => `'${v.replace(/'/g, "\\'")}'`).join(',');
    case 'doublequote':
      return values.map((v) => `"${v.replace(/"/g, '\\"')}"`).join(',');
    default:
      throw new Error(`variable format ${format} is not supported by this expander`);
  }
}

// Same shape as Grafana's variableRegex: $name | [[name(:fmt)]] | ${name(.path)(:fmt)}.
const VARIABLE = /\$(\w+)|\[\[(\w+?)(?::(\w+))?\]\]|\$\{(\w+)(?:\.[^:}]+)?(?::([^}]+))?\}/g;

/** Step 1: template variables (and `$__interval`, `$__interval_ms`). */
export function interpolateVariables(sql: string, ctx: ExpandContext): string {
  const intervalMs = ctx.intervalMs ?? 60_000;
  return sql.replace(VARIABLE, (match, plain?: string, bracket?: string, bracketFmt?: string, braced?: string, bracedFmt?: string) => {
    const name = plain ?? bracket ?? braced ?? '';
    const format = bracketFmt ?? bracedFmt;
    if (name === '__interval') return `${Math.round(intervalMs / 1000)}s`;
    if (name === '__interval_ms') return String(intervalMs);
    const state = ctx.variables[name];
    if (!state) return match; // not a variable (macros, or unknown names Grafana also leaves alone)
    const selected = Array.isArray(state.value) ? state.value : [state.value];
    const isAll = selected.includes('$__all');
    return formatValues(isAll ? state.options : selected, state, format, isAll);
  });
}

const MACRO = /\$__(\w+)\(([^)]*)\)/g;

/** Step 2: the datasource's macros, with the dashboard (or rule) time range. */
export function expandMacros(sql: string, ctx: Pick<ExpandContext, 'from' | 'to'>): string {
  const from = rfc3339(ctx.from);
  const to = rfc3339(ctx.to);
  const fromEpoch = Math.floor(ctx.from.getTime() / 1000);
  const toEpoch = Math.floor(ctx.to.getTime() / 1000);
  return sql.replace(MACRO, (_m, name: string, rawArgs: string) => {
    const args = rawArgs.split(',').map((a) => a.trim()).filter((a) => a !== '');
    const need = (n: number) => {
      if (args.length < n) throw new Error(`macro $__${name} needs ${n} argument(s), got ${args.length}`);
    };
    switch (name) {
      case 'time':
        need(1);
        return `${args[0]} AS "time"`;
      case 'timeEpoch':
        need(1);
        return `extract(epoch from ${args[0]}) as "time"`;
      case 'timeFilter':
        need(1);
        return `${args[0]} BETWEEN '${from}' AND '${to}'`;
      case 'timeFrom':
        return `'${from}'`;
      case 'timeTo':
        return `'${to}'`;
      case 'timeGroup':
      case 'timeGroupAlias': {
        need(2);
        const s = intervalSeconds(args[1]!);
        const expr = `floor(extract(epoch from ${args[0]})/${s})*${s}`;
        return name === 'timeGroupAlias' ? `${expr} AS "time"` : expr;
      }
      case 'unixEpochFilter':
        need(1);
        return `${args[0]} >= ${fromEpoch} AND ${args[0]} <= ${toEpoch}`;
      case 'unixEpochFrom':
        return String(fromEpoch);
      case 'unixEpochTo':
        return String(toEpoch);
      case 'unixEpochGroup':
      case 'unixEpochGroupAlias': {
        need(2);
        const s = intervalSeconds(args[1]!);
        const expr = `floor((${args[0]})/${s})*${s}`;
        return name === 'unixEpochGroupAlias' ? `${expr} AS "time"` : expr;
      }
      default:
        throw new Error(`unknown macro $__${name}`);
    }
  });
}

/** Variables first (Grafana's frontend), then macros (its backend): the SQL PostgreSQL receives. */
export const expandGrafanaSql = (sql: string, ctx: ExpandContext): string => expandMacros(interpolateVariables(sql, ctx), ctx);
