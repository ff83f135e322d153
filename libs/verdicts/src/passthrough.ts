import type { PassthroughVerdict } from '../../contracts/src/verdicts';
import type { PciDeviceFacts } from '../../evidence/src/host-facts/types';
import type { HostFacts } from './facts';
import { isArm, virtCap, xlInfoRef } from './facts';
import { hvmVerdict } from './hvm';
import { interruptRemappingVerdict } from './intremap';
import { iommuVerdict } from './iommu';

type Status = PassthroughVerdict['status'];
type Device = NonNullable<PassthroughVerdict['devices']>[number];

const busOf = (bdf: string): string => {
  const parts = bdf.split(':');
  return parts.length >= 3 ? `${parts[0]}:${parts[1]}` : `0000:${parts[0] ?? ''}`;
};
const busNumber = (bdf: string): number => parseInt(busOf(bdf).split(':')[1] ?? '', 16);
const slotOf = (bdf: string): string => bdf.replace(/\.[0-7]$/, '');

/** The bridges whose secondary..subordinate range holds this device's bus. */
const upstreamBridges = (dev: PciDeviceFacts, all: readonly PciDeviceFacts[]): PciDeviceFacts[] => {
  const bus = busNumber(dev.bdf);
  return all.filter((b) => b.isBridge && b.secondaryBus !== undefined && b.subordinateBus !== undefined && b.secondaryBus <= bus && bus <= b.subordinateBus && b.bdf !== dev.bdf);
};

/**
 * Per-device passthrough readiness, evidence-spec §9: reset support (`FLReset+`, a `reset_method`),
 * isolation (ACS upstream, or alone on its bus), and not behind a conventional PCI bridge.
 */
export function deviceReadiness(dev: PciDeviceFacts, all: readonly PciDeviceFacts[]): Device {
  const base = { bdf: dev.bdf, ...(dev.name ? { name: dev.name.slice(0, 512) } : {}) };
  if (dev.capabilitiesAccessDenied) {
    return { ...base, status: 'unknown', reasons: ['lspci ran without root, so the PCI capabilities (FLR, ACS) are unreadable: run it as root.'] };
  }
  const reasons: string[] = [];
  let status: Status = 'yes';
  const bridges = upstreamBridges(dev, all);
  if (bridges.some((b) => b.conventionalBridge)) {
    status = 'no';
    reasons.push('The device sits behind a conventional PCI bridge: every device behind it shares one requester ID, so it cannot be assigned on its own.');
  }
  const hasReset = dev.flr === true || (dev.resetMethods !== undefined && dev.resetMethods.length > 0);
  if (!hasReset) {
    status = 'no';
    reasons.push(
      dev.flr === false
        ? 'The device has no Function Level Reset (FLReset-) and no other reset method is known: it cannot be reset between guests; check sysfs reset_method or use a device with FLR.'
        : 'No reset method is known for the device (no FLReset+ and no sysfs reset_method).',
    );
  }
  const sameBus = all.filter((o) => !o.isBridge && busOf(o.bdf) === busOf(dev.bdf) && slotOf(o.bdf) !== slotOf(dev.bdf));
  const isolated = sameBus.length === 0 || dev.acs === true || bridges.some((b) => b.acs === true);
  if (!isolated) {
    if (status === 'yes') status = 'risky';
    reasons.push('Other devices share its bus and no ACS was found upstream: they may be able to reach each other by peer-to-peer DMA.');
  }
  if (status === 'yes') reasons.push('Resettable and isolated.');
  return { ...base, status, reasons };
}

const candidates = (facts: HostFacts): PciDeviceFacts[] => {
  const devs = facts.pci.devices;
  const chosen = devs.filter((d) => d.assignable || (d.assignedTo?.length ?? 0) > 0 || d.sriov !== undefined);
  return chosen.length > 0 ? chosen : devs.filter((d) => !d.isBridge);
};

/**
 * Host passthrough readiness, evidence-spec §9: IOMMU `yes` and HVM `yes` for HVM guests (PV guests
 * need `pv_directio`, Xen 4.12+); `risky` when interrupt remapping is off. Per-device readiness for the
 * assignable, assigned and SR-IOV devices (or every endpoint when none is marked).
 */
export function passthroughVerdict(facts: HostFacts): PassthroughVerdict {
  const iommu = iommuVerdict(facts);
  const hvm = hvmVerdict(facts);
  const ir = interruptRemappingVerdict(facts);
  const hostDevices = facts.pci.present ? candidates(facts).slice(0, 4096) : [];
  let devices = hostDevices.map((d) => deviceReadiness(d, facts.pci.devices));
  const reasons: string[] = [];
  let status: Status;
  if (iommu.status === 'unknown') {
    status = 'unknown';
    reasons.push('Whether Xen enabled an IOMMU is unknown.', ...iommu.reasons);
  } else if (iommu.status !== 'yes') {
    status = 'no';
    reasons.push(`PCI passthrough needs the IOMMU, which is ${iommu.status}.`, ...iommu.reasons);
    devices = devices.map((d) => ({ ...d, status: 'no' as const, reasons: ['No IOMMU on this host.', ...d.reasons] }));
  } else if (hvm.status === 'yes') {
    status = 'yes';
    reasons.push('IOMMU and HVM are enabled: devices can be passed through to HVM and PV guests.');
  } else if (virtCap(facts, 'pv_directio')) {
    status = 'yes';
    reasons.push(`IOMMU enabled but HVM is ${hvm.status}: passthrough only to PV guests (pv_directio).`);
  } else {
    status = hvm.status === 'unknown' ? 'unknown' : 'no';
    reasons.push(`IOMMU enabled but HVM is ${hvm.status} and pv_directio is not reported.`);
  }
  if (status === 'yes' && ir.status === 'unknown' && isArm(facts)) {
    reasons.push('On Arm, MSI isolation comes from the GIC ITS, which Xen does not report: check the platform documentation.');
  } else if (status === 'yes' && ir.status !== 'yes') {
    status = 'risky';
    reasons.push(`Interrupt remapping is ${ir.status}: passthrough is safe only for trusted guests (XSA-36/59 class).`);
    devices = devices.map((d) => (d.status === 'yes' ? { ...d, status: 'risky' as const, reasons: [...d.reasons, `Interrupt remapping is ${ir.status}.`] } : d));
  }
  if (facts.xenLog?.vtdFeatures.sharedEpt) {
    reasons.push('VT-d shares the EPT tables: do not use populate-on-demand (memory < maxmem) or dirty-VRAM tracking for guests with passed-through devices.');
  }
  if (facts.pci.accessDenied) reasons.push('lspci ran without root: per-device readiness is unknown; run it as root.');
  return { status, devices, reasons, evidence: [...iommu.evidence, ...(virtCap(facts, 'pv_directio') ? xlInfoRef(facts, 'virt_caps') : [])].slice(0, 256) };
}
