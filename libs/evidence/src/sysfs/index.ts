export { parseSysfsPci } from './parse-sysfs-pci';
export type { SysfsPciDevice, SysfsPciResult } from './parse-sysfs-pci';
export { parseHypervisor, parseXenCapabilities } from './parse-hypervisor';
export type { HypervisorInfo } from './parse-hypervisor';
