import { SCHEMA_VERSION, type Dashboard, type Panel, type QueryVariable } from '../model';

/** Dashboard envelope shared by virtcap's dashboards (tag "virtcap", cross-links by tag). */
export function dashboard(d: { uid: string; title: string; description: string; time?: string; variables: QueryVariable[]; panels: Panel[] }): Dashboard {
  return {
    id: null,
    uid: d.uid,
    title: d.title,
    description: d.description,
    tags: ['virtcap'],
    timezone: 'utc',
    editable: false,
    graphTooltip: 1,
    fiscalYearStartMonth: 0,
    liveNow: false,
    refresh: '1m',
    schemaVersion: SCHEMA_VERSION,
    version: 1,
    time: { from: d.time ?? 'now-7d', to: 'now' },
    timepicker: {},
    templating: { list: d.variables },
    // Grafana adds its built-in annotation query on load; listing it here would add a non-virtcap datasource.
    annotations: { list: [] },
    links: [{ title: 'virtcap', type: 'dashboards', tags: ['virtcap'], asDropdown: true, includeVars: true, keepTime: true }],
    panels: d.panels,
  };
}
