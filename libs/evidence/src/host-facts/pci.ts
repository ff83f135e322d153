import type { EvidenceRef } from '../common';
import type { LspciDevice, LspciResult } from '../lspci';
import type { SysfsPciResult } from '../sysfs';
import type { AssignablePciDevice, GuestPciDevice } from '../xl-pci';
import type { PciDeviceFacts, PciFacts } from './types';

const BDF = /^([0-9a-f]{4}):([0-9a-f]{2}):([0-9a-f]{2})\.([0-7])$/;

/** PCI routing id (bus << 8 | dev << 3 | fn) and segment of a domain-qualified BDF. */
export function routingId(bdf: string): { seg: number; rid: number } | undefined {
  const m = BDF.exec(bdf);
  if (!m) return undefined;
  return { seg: parseInt(m[1]!, 16), rid: (parseInt(m[2]!, 16) << 8) | (parseInt(m[3]!, 16) << 3) | parseInt(m[4]!, 10) };
}

/**
 * The BDFs of a PF's first `count` VFs: VF n (1-based) has routing id PF + offset + (n-1) × stride
 * (PCIe SR-IOV spec §3.3.10; lspci `VF offset: %d, stride: %d`, sysfs `sriov_offset`/`sriov_stride`).
 */
export function vfBdfs(pf: string, offset: number, stride: number, count: number): string[] {
  const id = routingId(pf);
  if (!id || offset <= 0 || count <= 0) return [];
  const out: string[] = [];
  for (let n = 0; n < Math.min(count, 4096); n++) {
    const rid = id.rid + offset + n * Math.max(stride, 0);
    if (rid > 0xffff) break;
    const hex = (v: number, w: number) => v.toString(16).padStart(w, '0');
    out.push(`${hex(id.seg, 4)}:${hex(rid >> 8, 2)}:${hex((rid >> 3) & 0x1f, 2)}.${rid & 7}`);
  }
  return out;
}

function fromLspci(d: LspciDevice): PciDeviceFacts {
  const ev: EvidenceRef[] = [{ source: 'lspci-vv.txt', line: d.line, text: `${d.bdf} ${d.className}: ${d.name}`.slice(0, 512) }];
  const s = d.sriov;
  return {
    bdf: d.bdf,
    name: d.name.slice(0, 512),
    ...(d.vendorId ? { vendorId: d.vendorId } : {}),
    ...(d.deviceId ? { deviceId: d.deviceId } : {}),
    isBridge: d.isBridge,
    ...(d.conventionalPciBridge !== undefined ? { conventionalBridge: d.conventionalPciBridge } : {}),
    ...(d.secondaryBus !== undefined ? { secondaryBus: d.secondaryBus } : {}),
    ...(d.subordinateBus !== undefined ? { subordinateBus: d.subordinateBus } : {}),
    ...(d.flr !== undefined ? { flr: d.flr } : {}),
    ...(d.acs ? { acs: Object.values(d.acs.ctl).some((v) => v) || Object.values(d.acs.cap).some((v) => v) } : d.capabilitiesAccessDenied ? {} : { acs: false }),
    ...(d.ats ? { ats: true } : {}),
    ari: d.ari,
    ...(s?.ariHierarchy !== undefined ? { ariHierarchy: s.ariHierarchy } : {}),
    ...(s && s.totalVfs !== undefined
      ? {
          sriov: {
            ...(s.initialVfs !== undefined ? { initialVfs: s.initialVfs } : {}),
            totalVfs: s.totalVfs,
            numVfs: s.numVfs ?? 0,
            ...(s.vfDeviceId ? { vfDeviceId: s.vfDeviceId } : {}),
            ...(s.vfOffset !== undefined ? { vfOffset: s.vfOffset } : {}),
            ...(s.vfStride !== undefined ? { vfStride: s.vfStride } : {}),
          },
        }
      : {}),
    ...(d.kernelDriver ? { kernelDriver: d.kernelDriver } : {}),
    ...(d.capabilitiesAccessDenied ? { capabilitiesAccessDenied: true } : {}),
    evidence: ev,
  };
}

/**
 * Merge PCI evidence (evidence-spec §6): lspci devices, then sysfs SR-IOV and reset facts (sysfs wins for
 * VF counts: it is the kernel's live value), then `xl pci-assignable-list` (assignable) and `xl pci-list`
 * (held by guests; a PF's `usedVfs` counts guest-held BDFs among its VFs).
 */
export function mergePci(
  lspci: LspciResult | undefined,
  sysfs: SysfsPciResult | undefined,
  assignable: AssignablePciDevice[] | undefined,
  guests: GuestPciDevice[] | undefined,
): PciFacts {
  const byBdf = new Map<string, PciDeviceFacts>();
  for (const d of lspci?.devices ?? []) byBdf.set(d.bdf, fromLspci(d));
  for (const [bdf, s] of Object.entries(sysfs?.devices ?? {})) {
    const dev = byBdf.get(bdf) ?? { bdf, evidence: [] };
    const src = (f: string): EvidenceRef => ({ source: `sysfs/pci/${bdf}/${f}` });
    if (s.totalVfs !== undefined) {
      const prev = dev.sriov;
      dev.sriov = {
        ...(prev ?? {}),
        totalVfs: s.totalVfs,
        numVfs: s.numVfs ?? prev?.numVfs ?? 0,
        ...(s.vfDeviceId ? { vfDeviceId: s.vfDeviceId } : {}),
        ...(s.vfOffset !== undefined ? { vfOffset: s.vfOffset } : {}),
        ...(s.vfStride !== undefined ? { vfStride: s.vfStride } : {}),
      };
      dev.evidence.push(src('sriov_totalvfs'));
    } else if (s.numVfs !== undefined && dev.sriov) dev.sriov.numVfs = s.numVfs;
    if (s.resetMethods) {
      dev.resetMethods = s.resetMethods;
      dev.evidence.push(src('reset_method'));
    } else if (s.hasResetFile && !dev.resetMethods) dev.resetMethods = ['reset'];
    byBdf.set(bdf, dev);
  }
  for (const a of assignable ?? []) {
    const dev = byBdf.get(a.bdf) ?? { bdf: a.bdf, evidence: [] };
    dev.assignable = true;
    dev.evidence.push({ source: 'xl-pci-assignable-list.txt', text: a.bdf });
    byBdf.set(a.bdf, dev);
  }
  const held = new Map<string, string[]>();
  for (const g of guests ?? []) held.set(g.bdf, [...(held.get(g.bdf) ?? []), g.domain]);
  for (const [bdf, domains] of held) {
    const dev = byBdf.get(bdf);
    if (dev) dev.assignedTo = domains;
  }
  if (guests) {
    for (const dev of byBdf.values()) {
      const s = dev.sriov;
      if (!s || s.vfOffset === undefined) continue;
      const vfs = vfBdfs(dev.bdf, s.vfOffset, s.vfStride ?? 1, Math.max(s.numVfs, s.totalVfs));
      dev.usedVfs = vfs.filter((v) => held.has(v)).length;
    }
  }
  const devices = [...byBdf.values()].sort((x, y) => (x.bdf < y.bdf ? -1 : x.bdf > y.bdf ? 1 : 0));
  return {
    present: lspci !== undefined || (sysfs !== undefined && Object.keys(sysfs.devices).length > 0),
    accessDenied: lspci?.accessDenied ?? false,
    devices,
    assignableListPresent: assignable !== undefined,
    guestListPresent: guests !== undefined,
  };
}
