import { FLEET_FILTER, fleetVariables, hostLink, Layout } from '../panels';
import { dashboard } from './common';
import type { Dashboard } from '../model';

/** Fleet overview: how many hosts, how many stale, verdict counts, and ingest throughput. */
export function fleetOverview(): Dashboard {
  const panels = new Layout()
    .row('Fleet')
    .add({ type: 'stat', title: 'Hosts', description: 'Hosts in the selection (revoked hosts are left out).', w: 4, h: 4, sql: `SELECT count(*) AS hosts FROM v_hosts WHERE ${FLEET_FILTER}` })
    .add({ type: 'stat', title: 'Stale hosts', description: 'No report for 3 hours (the agent reports hourly).', w: 4, h: 4, redAt: 1, sql: `SELECT count(*) AS stale FROM v_hosts WHERE stale AND ${FLEET_FILTER}` })
    .add({ type: 'stat', title: 'HVM with HAP', description: 'Hosts that can run HVM guests with hardware-assisted paging.', w: 4, h: 4, sql: `SELECT count(*) AS hvm_hap FROM v_hosts WHERE hvm_status = 'yes' AND hap_status = 'yes' AND ${FLEET_FILTER}` })
    .add({ type: 'stat', title: 'IOMMU on', description: 'Hosts with VT-d or AMD-Vi enabled in Xen.', w: 4, h: 4, sql: `SELECT count(*) AS iommu_yes FROM v_hosts WHERE iommu_status = 'yes' AND ${FLEET_FILTER}` })
    .add({ type: 'stat', title: 'Broken DMAR/IVRS', description: 'Hosts whose ACPI DMAR or IVRS table is broken.', w: 4, h: 4, redAt: 1, sql: `SELECT count(*) AS acpi_broken FROM v_hosts WHERE (acpi_dmar_status = 'broken' OR acpi_ivrs_status = 'broken') AND ${FLEET_FILTER}` })
    .add({ type: 'stat', title: 'Free SR-IOV VFs', description: 'Virtual functions not assigned to a guest (total - used).', w: 4, h: 4, sql: `SELECT COALESCE(sum(free_vfs), 0) AS free_vfs FROM v_sriov_capacity WHERE ${FLEET_FILTER}` })
    .row('Verdicts')
    .add({
      type: 'table',
      title: 'Hosts per verdict and status',
      description: 'Every verdict key with its status counts (unknown is an honest answer: evidence missing).',
      w: 12,
      h: 12,
      sql: `SELECT verdict, status, count(*) AS hosts FROM v_host_verdicts WHERE ${FLEET_FILTER} GROUP BY verdict, status ORDER BY verdict, status`,
    })
    .add({
      type: 'piechart',
      title: 'IOMMU status',
      description: 'VT-d / AMD-Vi status across the selection.',
      w: 6,
      h: 12,
      sql: `SELECT status, count(*) AS hosts FROM v_host_verdicts WHERE verdict = 'iommu' AND ${FLEET_FILTER} GROUP BY status ORDER BY status`,
    })
    .add({
      type: 'piechart',
      title: 'HVM status',
      description: 'VT-x / AMD-V status across the selection.',
      w: 6,
      h: 12,
      sql: `SELECT status, count(*) AS hosts FROM v_host_verdicts WHERE verdict = 'hvm' AND ${FLEET_FILTER} GROUP BY status ORDER BY status`,
    })
    .add({
      type: 'table',
      title: 'Verdicts per datacenter and cluster label',
      description: 'v_fleet_by_label for the datacenter and cluster labels (every label is in the view).',
      w: 24,
      h: 10,
      sql: `SELECT label_key, label_value, verdict, status, hosts FROM v_fleet_by_label WHERE label_key IN ('datacenter', 'cluster') AND verdict IN ('hvm', 'iommu', 'passthrough', 'sriov') ORDER BY label_key, label_value, verdict, status`,
    })
    .row('Hosts and ingest')
    .add({
      type: 'table',
      title: 'Host list',
      description: 'Click a hostname for Host detail.',
      w: 24,
      h: 12,
      columnLinks: { hostname: [hostLink()] },
      hidden: ['host_id'],
      sql: `SELECT host_id, hostname, datacenter, cluster, hvm_status, hap_status, iommu_status, iommu_kind, passthrough_status, sriov_status, acpi_dmar_status, acpi_ivrs_status, board_vendor, board_name, bios_version, last_seen_at, stale
        FROM v_hosts WHERE ${FLEET_FILTER} ORDER BY hostname LIMIT 1000`,
    })
    .add({
      type: 'timeseries',
      title: 'Snapshots processed per minute',
      description: 'Worker throughput from ingest_stats: processed, changed (history stored), out of order, dead-lettered.',
      w: 24,
      h: 8,
      sql: `SELECT $__timeGroupAlias("time", '1m'), sum(processed) AS processed, sum(changed) AS changed, sum(out_of_order) AS out_of_order, sum(dead_lettered) AS dead_lettered
        FROM v_ingest_health WHERE $__timeFilter("time") GROUP BY 1 ORDER BY 1`,
    })
    .build();
  return dashboard({ uid: 'virtcap-fleet', title: 'Fleet overview', description: 'virtcap: every Xen host, its verdicts and staleness.', variables: fleetVariables(), panels, time: 'now-24h' });
}
