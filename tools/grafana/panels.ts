import { PG_DATASOURCE, type DataLink, type FieldConfig, type GridPos, type Panel, type QueryVariable, type SqlTarget } from './model';

/**
 * Small builders for virtcap's dashboards: every target is raw SQL on the `virtcap-pg` datasource, and
 * panels are laid out left to right on the 24-column grid by {@link Layout}.
 */

/** A raw-SQL target; `format` "time_series" expects a `time` column (e.g. from `$__timeGroupAlias`). */
export function sql(rawSql: string, format: SqlTarget['format'] = 'table', refId = 'A'): SqlTarget {
  return { refId, datasource: PG_DATASOURCE, rawSql: rawSql.trim().replace(/\n\s+/g, '\n  '), format, rawQuery: true, editorMode: 'code' };
}

/** Link to the Host detail dashboard for the row's `host_id` column. */
export const hostLink = (): DataLink => ({ title: 'Host detail', url: '/d/virtcap-host/host-detail?var-host=${__data.fields.host_id}&${__url_time_range}' });

export interface PanelSpec {
  type: 'stat' | 'table' | 'timeseries' | 'barchart' | 'piechart';
  title: string;
  description: string;
  sql: string;
  format?: SqlTarget['format'];
  w: number;
  h: number;
  unit?: string;
  /** Per-column data links (column name → links), e.g. a hostname cell opening Host detail. */
  columnLinks?: Record<string, DataLink[]>;
  /** Columns hidden in tables (ids kept for links). */
  hidden?: string[];
  /** Red above this value in stat panels (green below). */
  redAt?: number;
  options?: Record<string, unknown>;
}

function optionsFor(spec: PanelSpec): Record<string, unknown> {
  switch (spec.type) {
    case 'stat':
      return { reduceOptions: { calcs: ['lastNotNull'], fields: '', values: false }, colorMode: 'background', graphMode: 'none', textMode: 'value', justifyMode: 'auto', orientation: 'auto' };
    case 'table':
      return { showHeader: true, cellHeight: 'sm', footer: { show: false, reducer: ['sum'], countRows: false, fields: '' } };
    case 'timeseries':
      return { legend: { displayMode: 'list', placement: 'bottom', showLegend: true }, tooltip: { mode: 'multi', sort: 'none' } };
    case 'barchart':
      return { orientation: 'horizontal', showValue: 'auto', stacking: 'none', legend: { displayMode: 'list', placement: 'bottom', showLegend: true }, tooltip: { mode: 'single', sort: 'none' }, xTickLabelRotation: 0 };
    case 'piechart':
      return { reduceOptions: { calcs: ['lastNotNull'], fields: '', values: true }, pieType: 'donut', legend: { displayMode: 'table', placement: 'right', showLegend: true, values: ['value'] }, tooltip: { mode: 'single', sort: 'none' } };
  }
}

/** Places panels in reading order; `row()` starts a full-width row header. */
export class Layout {
  private readonly panels: Panel[] = [];
  private x = 0;
  private y = 0;
  private rowHeight = 0;
  private nextId = 1;

  private place(w: number, h: number): GridPos {
    if (this.x + w > 24) this.newLine();
    const pos = { x: this.x, y: this.y, w, h };
    this.x += w;
    this.rowHeight = Math.max(this.rowHeight, h);
    return pos;
  }

  private newLine(): void {
    this.y += this.rowHeight;
    this.x = 0;
    this.rowHeight = 0;
  }

  row(title: string): this {
    if (this.x > 0) this.newLine();
    this.panels.push({ id: this.nextId++, type: 'row', title, collapsed: false, gridPos: this.place(24, 1), panels: [] });
    this.newLine();
    return this;
  }

  add(spec: PanelSpec): this {
    const overrides: FieldConfig['overrides'] = [];
    for (const [column, links] of Object.entries(spec.columnLinks ?? {})) {
      overrides.push({ matcher: { id: 'byName', options: column }, properties: [{ id: 'links', value: links }] });
    }
    for (const column of spec.hidden ?? []) {
      overrides.push({ matcher: { id: 'byName', options: column }, properties: [{ id: 'custom.hidden', value: true }] });
    }
    const defaults: FieldConfig['defaults'] = {};
    if (spec.type !== 'table') defaults.unit = spec.unit ?? 'short';
    if (spec.type === 'stat') {
      defaults.color = { mode: 'thresholds' };
      defaults.thresholds = {
        mode: 'absolute',
        steps: spec.redAt === undefined ? [{ color: 'blue', value: null }] : [{ color: 'green', value: null }, { color: 'red', value: spec.redAt }],
      };
    }
    if (spec.type === 'table') defaults.custom = { align: 'auto', filterable: true };
    this.panels.push({
      id: this.nextId++,
      type: spec.type,
      title: spec.title,
      description: spec.description,
      gridPos: this.place(spec.w, spec.h),
      datasource: PG_DATASOURCE,
      targets: [sql(spec.sql, spec.format ?? (spec.type === 'timeseries' ? 'time_series' : 'table'))],
      fieldConfig: { defaults, overrides },
      options: { ...optionsFor(spec), ...spec.options },
    });
    return this;
  }

  build(): Panel[] {
    return this.panels;
  }
}

/** A query variable over a view; multi-value ones offer "All" (expanded to every option, quoted). */
export function queryVariable(name: string, label: string, query: string, opts: { multi: boolean; includeAll: boolean; hide?: 0 | 1 | 2 }): QueryVariable {
  return {
    type: 'query',
    name,
    label,
    datasource: PG_DATASOURCE,
    query,
    definition: query,
    refresh: 1,
    multi: opts.multi,
    includeAll: opts.includeAll,
    sort: 1,
    hide: opts.hide ?? 0,
    current: opts.includeAll ? { text: ['All'], value: ['$__all'] } : {},
    options: [],
    skipUrlSync: false,
  };
}

/** datacenter → cluster (cascading) → vendor (board vendor), all over v_hosts. */
export const fleetVariables = (): QueryVariable[] => [
  queryVariable('datacenter', 'Datacenter', 'SELECT DISTINCT datacenter FROM v_hosts ORDER BY 1', { multi: true, includeAll: true }),
  queryVariable('cluster', 'Cluster', 'SELECT DISTINCT cluster FROM v_hosts WHERE datacenter IN ($datacenter) ORDER BY 1', { multi: true, includeAll: true }),
  queryVariable('vendor', 'Board vendor', 'SELECT DISTINCT board_vendor FROM v_hosts WHERE datacenter IN ($datacenter) AND cluster IN ($cluster) ORDER BY 1', { multi: true, includeAll: true }),
];

/** The WHERE clause every fleet panel shares (columns of v_hosts and the views built on it). */
export const FLEET_FILTER = 'datacenter IN ($datacenter) AND cluster IN ($cluster) AND board_vendor IN ($vendor)';
