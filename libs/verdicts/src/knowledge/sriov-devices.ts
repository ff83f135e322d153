import type { PciIdentity } from './chipsets';

/**
 * Common SR-IOV capable devices as data: PF `vendor:device` id → name and the maximum VFs the
 * hardware offers (`sriov_totalvfs` can be lower, set by firmware/NVM configuration). Used to explain
 * (e.g. "Total VFs 8 but the ConnectX-4 Lx offers up to 127: raise NUM_OF_VFS with mlxconfig"), never
 * to override the device's own SR-IOV capability.
 */
export interface SriovDeviceInfo {
  pciId: string;
  name: string;
  /** lspci name substrings (lowercase) for output without `-nn`. */
  namePatterns: readonly string[];
  maxVfs: number;
  note?: string;
}

/** Known SR-IOV PFs; `maxVfs` is the hardware maximum per PF as the vendor documents it. */
export const SRIOV_DEVICES: readonly SriovDeviceInfo[] = [
  { pciId: '8086:10fb', name: 'Intel 82599ES 10GbE', namePatterns: ['82599es', '82599 10 gigabit'], maxVfs: 63 },
  { pciId: '8086:1528', name: 'Intel X540-AT2 10GbE', namePatterns: ['x540-at2', 'ethernet controller 10-gigabit x540'], maxVfs: 63 },
  { pciId: '8086:1563', name: 'Intel X550T 10GbE', namePatterns: ['x550t'], maxVfs: 63 },
  { pciId: '8086:1521', name: 'Intel I350 1GbE', namePatterns: ['i350 gigabit'], maxVfs: 7 },
  { pciId: '8086:1572', name: 'Intel X710 10GbE SFP+', namePatterns: ['x710 for 10gbe sfp+'], maxVfs: 64 },
  { pciId: '8086:1583', name: 'Intel XL710 40GbE QSFP+', namePatterns: ['xl710 for 40gbe qsfp+'], maxVfs: 128 },
  { pciId: '8086:1592', name: 'Intel E810-C 100GbE QSFP', namePatterns: ['e810-c for qsfp'], maxVfs: 256 },
  { pciId: '8086:159b', name: 'Intel E810-XXV 25GbE SFP', namePatterns: ['e810-xxv for sfp'], maxVfs: 256 },
  { pciId: '8086:56c0', name: 'Intel Data Center GPU Flex 170 (Arc)', namePatterns: ['intel corporation device 56c0'], maxVfs: 31, note: 'GPU SR-IOV needs the i915/xe driver with SR-IOV support.' },
  { pciId: '15b3:1013', name: 'Mellanox ConnectX-4', namePatterns: ['[connectx-4]'], maxVfs: 127, note: 'Total VFs is set in firmware: `mlxconfig set SRIOV_EN=1 NUM_OF_VFS=N`.' },
  { pciId: '15b3:1015', name: 'Mellanox ConnectX-4 Lx', namePatterns: ['connectx-4 lx'], maxVfs: 127, note: 'Total VFs is set in firmware: `mlxconfig set SRIOV_EN=1 NUM_OF_VFS=N`.' },
  { pciId: '15b3:1017', name: 'Mellanox ConnectX-5', namePatterns: ['[connectx-5]'], maxVfs: 127, note: 'Total VFs is set in firmware: `mlxconfig set SRIOV_EN=1 NUM_OF_VFS=N`.' },
  { pciId: '15b3:1019', name: 'Mellanox ConnectX-5 Ex', namePatterns: ['connectx-5 ex'], maxVfs: 127, note: 'Total VFs is set in firmware with mlxconfig.' },
  { pciId: '15b3:101b', name: 'Mellanox ConnectX-6', namePatterns: ['[connectx-6]'], maxVfs: 127, note: 'Total VFs is set in firmware with mlxconfig.' },
  { pciId: '15b3:101d', name: 'Mellanox ConnectX-6 Dx', namePatterns: ['connectx-6 dx'], maxVfs: 127, note: 'Total VFs is set in firmware with mlxconfig.' },
  { pciId: '15b3:1021', name: 'Mellanox ConnectX-7', namePatterns: ['[connectx-7]'], maxVfs: 127, note: 'Total VFs is set in firmware with mlxconfig.' },
  { pciId: '14e4:16d7', name: 'Broadcom BCM57414 NetXtreme-E', namePatterns: ['bcm57414'], maxVfs: 128 },
  { pciId: '14e4:1750', name: 'Broadcom BCM57508 NetXtreme-E', namePatterns: ['bcm57508'], maxVfs: 128 },
  { pciId: '144d:a824', name: 'Samsung PM173X NVMe', namePatterns: ['samsung electronics co ltd device a824'], maxVfs: 32, note: 'NVMe SR-IOV VFs need namespaces and controller resources assigned with nvme-cli (virt-mgmt) before use.' },
  { pciId: '1957:e100', name: 'NXP ENETC Ethernet (LS1028A)', namePatterns: ['freescale semiconductor inc device e100'], maxVfs: 2 },
];

/** The SR-IOV knowledge entry for a PF, by id first, then by lspci name. */
export function findSriovDevice(d: PciIdentity): SriovDeviceInfo | undefined {
  const id = d.vendorId && d.deviceId ? `${d.vendorId.toLowerCase()}:${d.deviceId.toLowerCase()}` : undefined;
  const byId = id ? SRIOV_DEVICES.find((e) => e.pciId === id) : undefined;
  if (byId) return byId;
  const name = (d.name ?? '').toLowerCase();
  return name ? SRIOV_DEVICES.find((e) => e.namePatterns.some((p) => name.includes(p))) : undefined;
}
