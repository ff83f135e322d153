import { randomUUID } from 'node:crypto';
import type { SnapshotInput } from '../../libs/contracts/src';

/**
 * Snapshot builders for worker tests. Facts follow the HostFacts shape buildHostFacts produces; the
 * scenario mirrors a Dell PowerEdge whose BIOS update turned VT-d off: before, `xl info` virt_caps has
 * `hvm_directio` and a DMAR table is present; after, virt_caps lacks it, `xl dmesg` says
 * `I/O virtualisation disabled`, and the DMAR table is gone from the ACPI inventory.
 */
export interface HostShape {
  bios: string;
  iommu: boolean;
  bootId?: string;
  numVfs?: number;
}

export function factsFor(h: HostShape): Record<string, unknown> {
  const signal = h.iommu
    ? { iommuEnabled: { source: 'xl-dmesg.txt', line: 61, text: '(XEN) I/O virtualisation enabled' } }
    : { iommuDisabled: { source: 'xl-dmesg.txt', line: 61, text: '(XEN) I/O virtualisation disabled' } };
  return {
    sources: ['xl-info.txt', 'xl-dmesg.txt', 'dmi/bios_version'],
    isXenDom0: true,
    arch: 'x86_64',
    firmware: { biosVendor: 'Dell Inc.', biosVersion: h.bios, biosDate: '03/14/2024', boardVendor: 'Dell Inc.', boardName: '0JP31P', sysVendor: 'Dell Inc.', productName: 'PowerEdge R640' },
    xlInfo: {
      machine: 'x86_64',
      xenVersion: '4.17.3',
      xenCaps: ['xen-3.0-x86_64', 'hvm-3.0-x86_32', 'hvm-3.0-x86_64'],
      virtCaps: h.iommu ? ['pv', 'hvm', 'hvm_directio', 'pv_directio', 'hap', 'shadow'] : ['pv', 'hvm', 'hap', 'shadow'],
      hwCaps: null,
      refs: {},
    },
    xenLog: { complete: true, xenVersion: '4.17.3', signals: { hvmVmxEnabled: { source: 'xl-dmesg.txt', line: 40, text: '(XEN) HVM: VMX enabled' }, ...signal }, vtdFeatures: {}, acpiTables: null, findings: [] },
    acpi: h.iommu
      ? { dmar: { signature: 'DMAR', source: 'acpi/DMAR', sha256: 'ab'.repeat(32), findings: [] }, tablesSeen: ['APIC', 'DMAR', 'FACP'], inventoryKnown: true }
      : { tablesSeen: ['APIC', 'FACP'], inventoryKnown: true },
    pci: {
      present: h.numVfs !== undefined,
      accessDenied: false,
      devices:
        h.numVfs !== undefined
          ? [{ bdf: '0000:3b:00.0', name: 'Intel Corporation Ethernet Controller X710', vendorId: '8086', deviceId: '1572', flr: true, sriov: { totalVfs: 32, numVfs: h.numVfs }, evidence: [] }]
          : [],
      assignableListPresent: false,
      guestListPresent: false,
    },
    findings: [],
  };
}

export function snapshotFor(h: HostShape, collectedAt: Date, snapshotId: string = randomUUID()): SnapshotInput {
  return {
    schemaVersion: 1,
    snapshotId,
    collectedAt: collectedAt.toISOString(),
    bootId: h.bootId ?? 'boot-1',
    agent: { version: '0.1.0' },
    host: { hostname: 'r640-fra1-07', machineId: 'm-r640-07', labels: { datacenter: 'fra1' } },
    facts: factsFor(h),
  };
}
