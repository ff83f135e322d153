import { Layout, queryVariable } from '../panels';
import { dashboard } from './common';
import type { Dashboard } from '../model';

const HOST = 'host_id = ${host:sqlstring}';

/** One host: verdicts with reasons, firmware, findings, devices, change history and alerts (`$host` = host id). */
export function hostDetail(): Dashboard {
  const variables = [queryVariable('host', 'Host', 'SELECT hostname AS __text, host_id::text AS __value FROM v_hosts ORDER BY hostname', { multi: false, includeAll: false })];
  const panels = new Layout()
    .row('Host')
    .add({
      type: 'table',
      title: 'Host',
      description: 'Labels, firmware and when the host last reported.',
      w: 24,
      h: 4,
      sql: `SELECT hostname, datacenter, cluster, xen_version, agent_version, board_vendor, board_name, bios_vendor, bios_version, bios_date, last_seen_at, stale FROM v_hosts WHERE ${HOST}`,
    })
    .add({
      type: 'table',
      title: 'Verdicts and reasons',
      description: 'Current verdicts, with the reasons and remediation the rules gave.',
      w: 24,
      h: 9,
      sql: `SELECT verdict, status, reasons FROM v_host_verdicts WHERE ${HOST} ORDER BY verdict`,
    })
    .add({
      type: 'table',
      title: 'DMAR/IVRS findings',
      description: 'Findings in this host\'s ACPI IOMMU tables.',
      w: 12,
      h: 8,
      sql: `SELECT table_kind, code, severity, message, bios_version FROM v_acpi_findings WHERE ${HOST} ORDER BY table_kind, code`,
    })
    .add({
      type: 'table',
      title: 'PCI devices',
      description: 'Passthrough readiness per device; SR-IOV numbers for physical functions.',
      w: 12,
      h: 8,
      sql: `SELECT bdf, name, driver, flr, passthrough_status, sriov_total_vfs, sriov_num_vfs, sriov_used_vfs FROM v_host_devices WHERE ${HOST} ORDER BY bdf`,
    })
    .row('History')
    .add({
      type: 'table',
      title: 'Changes (snapshots stored on change, and events)',
      description: 'Newest first, in the dashboard time range.',
      w: 24,
      h: 10,
      sql: `SELECT at, kind, type, severity, message, bios_version, hvm_status, hap_status, iommu_status, acpi_dmar_status, acpi_ivrs_status
        FROM v_host_history WHERE ${HOST} AND $__timeFilter(at) ORDER BY at DESC, kind`,
    })
    .add({
      type: 'table',
      title: 'Alerts',
      description: 'Alerts for this host.',
      w: 24,
      h: 6,
      sql: `SELECT fired_at, resolved_at, kind, severity, state, summary FROM v_alert_timeline WHERE ${HOST} ORDER BY fired_at DESC`,
    })
    .build();
  return dashboard({ uid: 'virtcap-host', title: 'Host detail', description: 'One host: verdicts, reasons, history, devices.', variables, panels, time: 'now-1y' });
}
