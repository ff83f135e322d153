/**
 * The part of Grafana's classic dashboard JSON model (schemaVersion 39+) that virtcap's generated
 * dashboards use, typed by hand: the Grafana foundation SDK is not a dependency (STACK-NOTES.md §5).
 * `dashboard.schema.json` checks the same structure at test time.
 */

/** The only datasource dashboards may use: virtcap's PostgreSQL, read through the `v_*` views. */
export const PG_DATASOURCE = { type: 'grafana-postgresql-datasource', uid: 'virtcap-pg' } as const;
export type DataSourceRef = typeof PG_DATASOURCE;

/** Grafana's minimum dashboard schema version the generated JSON declares. */
export const SCHEMA_VERSION = 39;

/** Panel position on Grafana's 24-column grid; `h` in grid rows (30 px). */
export interface GridPos {
  x: number;
  y: number;
  w: number;
  h: number;
}

/** One SQL query of a panel: `rawSql` in code mode, `format` "table" or "time_series". */
export interface SqlTarget {
  refId: string;
  datasource: DataSourceRef;
  rawSql: string;
  format: 'table' | 'time_series';
  rawQuery: true;
  editorMode: 'code';
}

/** A data link (panel field links drill down to another dashboard with `var-…` query parameters). */
export interface DataLink {
  title: string;
  url: string;
  targetBlank?: boolean;
}

export interface FieldConfig {
  defaults: Record<string, unknown> & { links?: DataLink[]; unit?: string };
  overrides: Array<{ matcher: { id: string; options: unknown }; properties: Array<{ id: string; value: unknown }> }>;
}

/** A visualization panel (`stat`, `table`, `timeseries`, `barchart`, `piechart`, `bargauge`) or a `row`. */
export interface Panel {
  id: number;
  type: string;
  title: string;
  description?: string;
  gridPos: GridPos;
  datasource?: DataSourceRef;
  targets?: SqlTarget[];
  fieldConfig?: FieldConfig;
  options?: Record<string, unknown>;
  transformations?: Array<{ id: string; options: Record<string, unknown> }>;
  collapsed?: boolean;
  panels?: Panel[];
}

/** A query template variable whose options come from SQL over a view (`__text`/`__value` columns allowed). */
export interface QueryVariable {
  type: 'query';
  name: string;
  label: string;
  datasource: DataSourceRef;
  query: string;
  definition: string;
  /** 1 = on dashboard load, 2 = on time range change. */
  refresh: 1 | 2;
  multi: boolean;
  includeAll: boolean;
  /** 1 = alphabetical ascending. */
  sort: number;
  hide: 0 | 1 | 2;
  current: Record<string, never> | { text: string | string[]; value: string | string[] };
  options: never[];
  skipUrlSync: boolean;
}

/** A classic dashboard (the JSON a file provider loads). */
export interface Dashboard {
  id: null;
  uid: string;
  title: string;
  description: string;
  tags: string[];
  timezone: 'utc' | 'browser';
  editable: boolean;
  graphTooltip: 0 | 1 | 2;
  fiscalYearStartMonth: number;
  liveNow: boolean;
  refresh: string;
  schemaVersion: number;
  version: number;
  time: { from: string; to: string };
  timepicker: Record<string, unknown>;
  templating: { list: QueryVariable[] };
  annotations: { list: Array<Record<string, unknown>> };
  links: Array<{ title: string; type: 'dashboards' | 'link'; tags?: string[]; url?: string; asDropdown?: boolean; includeVars?: boolean; keepTime?: boolean }>;
  panels: Panel[];
}
