import { hostLink, Layout, queryVariable } from '../panels';
import { dashboard } from './common';
import type { Dashboard } from '../model';

const DC = 'datacenter IN ($datacenter) AND cluster IN ($cluster)';

/** On-call: VT-d/AMD-Vi and VT-x regressions after BIOS updates, alerts, stale hosts and the dead-letter queue. */
export function regressions(): Dashboard {
  const variables = [
    queryVariable('datacenter', 'Datacenter', 'SELECT DISTINCT datacenter FROM v_hosts ORDER BY 1', { multi: true, includeAll: true }),
    queryVariable('cluster', 'Cluster', 'SELECT DISTINCT cluster FROM v_hosts WHERE datacenter IN ($datacenter) ORDER BY 1', { multi: true, includeAll: true }),
  ];
  const panels = new Layout()
    .row('Now')
    .add({ type: 'stat', title: 'Regressions in range', description: 'BIOS updates that disabled VT-d/AMD-Vi or VT-x, in the time range.', w: 6, h: 4, redAt: 1, sql: `SELECT count(*) AS regressions FROM v_iommu_regressions WHERE $__timeFilter(occurred_at) AND ${DC}` })
    .add({ type: 'stat', title: 'Hosts still without the capability', description: 'Regressed hosts whose current verdict is still not yes.', w: 6, h: 4, redAt: 1, sql: `SELECT count(DISTINCT host_id) AS hosts FROM v_iommu_regressions WHERE still_disabled AND ${DC}` })
    .add({ type: 'stat', title: 'Firing alerts', description: 'Alerts not resolved yet.', w: 4, h: 4, redAt: 1, sql: `SELECT count(*) AS firing FROM v_alert_timeline WHERE state = 'firing' AND ${DC}` })
    .add({ type: 'stat', title: 'Stale', description: 'No report for 3 hours.', w: 4, h: 4, redAt: 1, sql: `SELECT count(*) AS stale FROM v_stale_hosts WHERE ${DC}` })
    .add({ type: 'stat', title: 'Dead-letter queue', description: 'Snapshots the worker gave up on.', w: 4, h: 4, redAt: 1, sql: `SELECT count(*) AS dead_letters FROM v_dead_letters` })
    .row('Regressions')
    .add({
      type: 'table',
      title: 'BIOS updates that disabled VT-d/AMD-Vi or VT-x',
      description: 'Before/after BIOS versions from the snapshots the worker compared.',
      w: 24,
      h: 9,
      columnLinks: { hostname: [hostLink()] },
      hidden: ['host_id'],
      sql: `SELECT occurred_at, host_id, hostname, datacenter, cluster, capability, status_before, status_after, board_vendor, board_name, bios_version_before, bios_version_after, still_disabled, severity
        FROM v_iommu_regressions WHERE $__timeFilter(occurred_at) AND ${DC} ORDER BY occurred_at DESC`,
    })
    .row('Alerts')
    .add({
      type: 'timeseries',
      title: 'Alerts fired per hour',
      description: 'By alert kind.',
      w: 24,
      h: 8,
      sql: `SELECT $__timeGroupAlias(fired_at, '1h'), kind AS metric, count(*) AS value FROM v_alert_timeline WHERE $__timeFilter(fired_at) AND ${DC} GROUP BY 1, 2 ORDER BY 1`,
    })
    .add({
      type: 'table',
      title: 'Alert timeline',
      description: 'Fired in the time range, or still firing.',
      w: 24,
      h: 10,
      columnLinks: { hostname: [hostLink()] },
      hidden: ['host_id'],
      sql: `SELECT fired_at, resolved_at, host_id, hostname, kind, severity, state, summary, duration_seconds, events, notifications_delivered
        FROM v_alert_timeline WHERE ($__timeFilter(fired_at) OR state = 'firing') AND ${DC} ORDER BY fired_at DESC LIMIT 1000`,
    })
    .row('Health of the pipeline')
    .add({
      type: 'table',
      title: 'Stale hosts',
      description: 'Longest silent first.',
      w: 12,
      h: 9,
      columnLinks: { hostname: [hostLink()] },
      hidden: ['host_id'],
      sql: `SELECT host_id, hostname, datacenter, cluster, last_seen_at, stale_seconds FROM v_stale_hosts WHERE ${DC} ORDER BY last_seen_at NULLS FIRST LIMIT 1000`,
    })
    .add({
      type: 'table',
      title: 'Dead letters',
      description: 'Newest first (payloads stay in the database).',
      w: 12,
      h: 9,
      sql: `SELECT created_at, queue, snapshot_id, reason FROM v_dead_letters ORDER BY created_at DESC LIMIT 200`,
    })
    .add({
      type: 'timeseries',
      title: 'Dead-lettered and out-of-order snapshots per minute',
      description: 'From ingest_stats and dead_letters.',
      w: 24,
      h: 8,
      sql: `SELECT $__timeGroupAlias("time", '5m'), sum(dead_lettered) AS dead_lettered, sum(dead_letters_stored) AS dead_letters_stored, sum(out_of_order) AS out_of_order
        FROM v_ingest_health WHERE $__timeFilter("time") GROUP BY 1 ORDER BY 1`,
    })
    .build();
  return dashboard({ uid: 'virtcap-regressions', title: 'Regressions & alerts', description: 'BIOS updates that disabled VT-d/AMD-Vi or VT-x, alerts, stale hosts, dead letters.', variables, panels, time: 'now-7d' });
}
