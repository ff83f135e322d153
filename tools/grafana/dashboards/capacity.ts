import { FLEET_FILTER, fleetVariables, hostLink, Layout } from '../panels';
import { dashboard } from './common';
import type { Dashboard } from '../model';

/** Capacity planning: which hosts run HVM (with HAP), take a passthrough device, or have free SR-IOV VFs. */
export function capacity(): Dashboard {
  const panels = new Layout()
    .row('HVM')
    .add({ type: 'stat', title: 'HVM hosts', description: 'HVM status yes.', w: 6, h: 4, sql: `SELECT COALESCE(sum(hvm_yes), 0) AS hvm_yes FROM v_capacity WHERE ${FLEET_FILTER}` })
    .add({ type: 'stat', title: 'HVM with HAP', description: 'HVM yes and HAP yes (EPT/NPT).', w: 6, h: 4, sql: `SELECT COALESCE(sum(hvm_hap), 0) AS hvm_hap FROM v_capacity WHERE ${FLEET_FILTER}` })
    .add({ type: 'stat', title: 'HVM disabled by firmware', description: 'VT-x/AMD-V off in the BIOS setup.', w: 6, h: 4, redAt: 1, sql: `SELECT COALESCE(sum(hvm_disabled_by_firmware), 0) AS hvm_disabled FROM v_capacity WHERE ${FLEET_FILTER}` })
    .add({ type: 'stat', title: 'Passthrough ready', description: 'IOMMU on with interrupt remapping: PCI passthrough is safe.', w: 6, h: 4, sql: `SELECT COALESCE(sum(passthrough_ready), 0) AS passthrough_ready FROM v_capacity WHERE ${FLEET_FILTER}` })
    .add({
      type: 'table',
      title: 'Capacity per datacenter and cluster',
      description: 'Sums of v_capacity over the selection.',
      w: 24,
      h: 9,
      sql: `SELECT datacenter, cluster, sum(hosts) AS hosts, sum(hvm_yes) AS hvm, sum(hvm_hap) AS hvm_hap, sum(iommu_vtd) AS vtd, sum(iommu_amdvi) AS amdvi,
          sum(passthrough_ready) AS passthrough_ready, sum(passthrough_risky) AS passthrough_risky, sum(sriov_ready) AS sriov_ready
        FROM v_capacity WHERE ${FLEET_FILTER} GROUP BY datacenter, cluster ORDER BY datacenter, cluster`,
    })
    .row('Passthrough')
    .add({
      type: 'barchart',
      title: 'IOMMU and passthrough per datacenter',
      description: 'Hosts per datacenter that can pass a PCI device through (ready) or only riskily (no interrupt remapping).',
      w: 10,
      h: 10,
      sql: `SELECT datacenter, sum(iommu_yes) AS iommu_on, sum(passthrough_ready) AS ready, sum(passthrough_risky) AS risky FROM v_capacity WHERE ${FLEET_FILTER} GROUP BY datacenter ORDER BY datacenter`,
    })
    .add({
      type: 'table',
      title: 'Hosts that can take a passthrough device',
      description: 'Passthrough yes or risky; click for Host detail.',
      w: 14,
      h: 10,
      columnLinks: { hostname: [hostLink()] },
      hidden: ['host_id'],
      sql: `SELECT host_id, hostname, datacenter, cluster, iommu_kind, intremap_status, passthrough_status FROM v_hosts WHERE passthrough_status IN ('yes', 'risky') AND ${FLEET_FILTER} ORDER BY passthrough_status DESC, hostname LIMIT 1000`,
    })
    .row('SR-IOV')
    .add({ type: 'stat', title: 'SR-IOV total VFs', description: 'Sum of sriov_totalvfs over PFs.', w: 6, h: 4, sql: `SELECT COALESCE(sum(total_vfs), 0) AS total_vfs FROM v_sriov_capacity WHERE ${FLEET_FILTER}` })
    .add({ type: 'stat', title: 'SR-IOV used VFs', description: 'VFs assigned to guests (xl pci-list).', w: 6, h: 4, sql: `SELECT COALESCE(sum(used_vfs), 0) AS used_vfs FROM v_sriov_capacity WHERE ${FLEET_FILTER}` })
    .add({ type: 'stat', title: 'SR-IOV free VFs', description: 'total - used.', w: 6, h: 4, sql: `SELECT COALESCE(sum(free_vfs), 0) AS free_vfs FROM v_sriov_capacity WHERE ${FLEET_FILTER}` })
    .add({ type: 'stat', title: 'Enabled and free VFs', description: 'enabled (sriov_numvfs) - used: ready to hand out now.', w: 6, h: 4, sql: `SELECT COALESCE(sum(enabled_free_vfs), 0) AS enabled_free_vfs FROM v_sriov_capacity WHERE ${FLEET_FILTER}` })
    .add({
      type: 'table',
      title: 'SR-IOV VFs per NIC model',
      description: 'Per PF vendor:device and name.',
      w: 14,
      h: 10,
      sql: `SELECT nic_model, nic_name, sum(hosts) AS hosts, sum(physical_functions) AS pfs, sum(total_vfs) AS total_vfs, sum(enabled_vfs) AS enabled_vfs, sum(used_vfs) AS used_vfs, sum(free_vfs) AS free_vfs
        FROM v_sriov_capacity WHERE ${FLEET_FILTER} GROUP BY nic_model, nic_name ORDER BY sum(free_vfs) DESC, nic_model`,
    })
    .add({
      type: 'barchart',
      title: 'Free VFs per datacenter and cluster',
      description: 'Where SR-IOV capacity is left.',
      w: 10,
      h: 10,
      sql: `SELECT datacenter || '/' || cluster AS location, sum(free_vfs) AS free_vfs, sum(used_vfs) AS used_vfs FROM v_sriov_capacity WHERE ${FLEET_FILTER} GROUP BY datacenter, cluster ORDER BY 1`,
    })
    .build();
  return dashboard({ uid: 'virtcap-capacity', title: 'Capacity: HVM / passthrough / SR-IOV', description: 'virtcap capacity planning.', variables: fleetVariables(), panels, time: 'now-24h' });
}
