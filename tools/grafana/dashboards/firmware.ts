import { hostLink, Layout, queryVariable } from '../panels';
import { dashboard } from './common';
import type { Dashboard } from '../model';

const FW_FILTER = 'board_vendor IN ($vendor) AND board_name IN ($board) AND bios_version IN ($bios)';
const drill = {
  title: 'Show hosts and findings for this board + BIOS',
  url: '/d/virtcap-firmware/firmware-and-acpi-health?var-vendor=${__data.fields.board_vendor}&var-board=${__data.fields.board_name}&var-bios=${__data.fields.bios_version}&${__url_time_range}',
};

/** Firmware hygiene: which board + BIOS versions ship broken DMAR/IVRS tables, with drill-down to hosts and findings. */
export function firmware(): Dashboard {
  const variables = [
    queryVariable('vendor', 'Board vendor', 'SELECT DISTINCT board_vendor FROM v_firmware_breakage WHERE hosts > 0 ORDER BY 1', { multi: true, includeAll: true }),
    queryVariable('board', 'Board', 'SELECT DISTINCT board_name FROM v_firmware_breakage WHERE hosts > 0 AND board_vendor IN ($vendor) ORDER BY 1', { multi: true, includeAll: true }),
    queryVariable('bios', 'BIOS version', 'SELECT DISTINCT bios_version FROM v_firmware_breakage WHERE hosts > 0 AND board_vendor IN ($vendor) AND board_name IN ($board) ORDER BY 1', { multi: true, includeAll: true }),
  ];
  const panels = new Layout()
    .row('Breakage')
    .add({ type: 'stat', title: 'Board + BIOS with broken tables', description: 'Firmware versions where at least one current host has a broken DMAR or IVRS.', w: 6, h: 4, redAt: 1, sql: `SELECT count(*) AS firmware FROM v_firmware_breakage WHERE acpi_health = 'broken' AND hosts > 0 AND ${FW_FILTER}` })
    .add({ type: 'stat', title: 'Hosts with broken or degraded tables', description: 'Current hosts on the selected firmware with a broken or degraded DMAR/IVRS.', w: 6, h: 4, redAt: 1, sql: `SELECT COALESCE(sum(broken_or_degraded_hosts), 0) AS hosts FROM v_firmware_breakage WHERE ${FW_FILTER}` })
    .add({ type: 'stat', title: 'Hosts on the selected firmware', description: 'Current hosts.', w: 6, h: 4, sql: `SELECT COALESCE(sum(hosts), 0) AS hosts FROM v_firmware_breakage WHERE ${FW_FILTER}` })
    .add({ type: 'stat', title: 'Error findings', description: 'DMAR/IVRS findings of severity error recorded with the selected firmware.', w: 6, h: 4, redAt: 1, sql: `SELECT COALESCE(sum(error_findings), 0) AS errors FROM v_firmware_breakage WHERE ${FW_FILTER}` })
    .add({
      type: 'table',
      title: 'Board + BIOS → DMAR/IVRS health',
      description: 'Click a BIOS version to filter the hosts and findings below to it.',
      w: 24,
      h: 10,
      columnLinks: { bios_version: [drill] },
      sql: `SELECT board_vendor, board_name, bios_vendor, bios_version, bios_date, hosts, dmar_broken_hosts, dmar_degraded_hosts, ivrs_broken_hosts, ivrs_degraded_hosts, finding_codes, acpi_health, first_seen_at, last_seen_at
        FROM v_firmware_breakage WHERE hosts > 0 AND ${FW_FILTER}
        ORDER BY (dmar_broken_hosts + ivrs_broken_hosts) DESC, broken_or_degraded_hosts DESC, board_vendor, board_name, bios_version`,
    })
    .row('Drill-down')
    .add({
      type: 'table',
      title: 'Hosts with broken or degraded DMAR/IVRS',
      description: 'Hosts on the selected firmware; click a hostname for Host detail.',
      w: 10,
      h: 10,
      columnLinks: { hostname: [hostLink()] },
      hidden: ['host_id'],
      sql: `SELECT host_id, hostname, datacenter, cluster, board_name, bios_version, acpi_dmar_status, acpi_ivrs_status, iommu_status
        FROM v_hosts WHERE (acpi_dmar_status IN ('broken', 'degraded') OR acpi_ivrs_status IN ('broken', 'degraded')) AND board_name IN ($board) AND bios_version IN ($bios)
        ORDER BY hostname LIMIT 1000`,
    })
    .add({
      type: 'table',
      title: 'Findings',
      description: 'Every DMAR/IVRS finding on the selected firmware.',
      w: 14,
      h: 10,
      columnLinks: { hostname: [hostLink()] },
      hidden: ['host_id'],
      sql: `SELECT host_id, hostname, board_vendor, board_name, bios_version, table_kind, code, severity, message
        FROM v_acpi_findings WHERE ${FW_FILTER} ORDER BY CASE severity WHEN 'error' THEN 0 WHEN 'warning' THEN 1 ELSE 2 END, hostname, table_kind, code LIMIT 2000`,
    })
    .row('Advisory')
    .add({
      type: 'table',
      title: 'Firmware advisory: what happened to hosts that moved to a BIOS version',
      description: 'regressions seen: a host lost VT-d/AMD-Vi, HVM or HAP, or got a broken DMAR/IVRS after moving to it; safe: 3+ hosts moved without one.',
      w: 24,
      h: 9,
      sql: `SELECT board_vendor, board_name, bios_version, verdict, hosts_moved, hosts_regressed, hosts_lost_iommu, hosts_lost_hvm, hosts_lost_hap, hosts_broke_acpi, from_versions, first_moved_at, last_moved_at
        FROM v_firmware_advisory WHERE board_vendor IN ($vendor) AND board_name IN ($board)
        ORDER BY hosts_regressed DESC, board_vendor, board_name, bios_version`,
    })
    .build();
  return dashboard({ uid: 'virtcap-firmware', title: 'Firmware & ACPI health', description: 'Which board + BIOS versions break DMAR/IVRS, and what BIOS updates did.', variables, panels, time: 'now-30d' });
}
