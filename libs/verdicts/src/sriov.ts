import type { SriovVerdict } from '../../contracts/src/verdicts';
import type { EvidenceRef, HostFacts } from './facts';
import { iommuVerdict } from './iommu';
import { findSriovDevice } from './knowledge';

type Device = SriovVerdict['devices'][number];

/**
 * SR-IOV readiness per PF, evidence-spec §9: `Total VFs: N>0` (lspci) or `sriov_totalvfs` > 0 is
 * `capable`; `ready` = capable and IOMMU `yes`. Zero Total VFs with non-zero Initial VFs means the BIOS
 * has SR-IOV disabled. `usedVfs` counts VFs held by guests (`xl pci-list`). More than 8 VFs in use
 * without `ARIHierarchy+` is noted. lspci without root is `unknown`, never `none`.
 */
export function sriovVerdict(facts: HostFacts): SriovVerdict {
  const reasons: string[] = [];
  const evidence: EvidenceRef[] = [];
  const devices: Device[] = [];
  let capable = 0;
  for (const d of facts.pci.devices) {
    const s = d.sriov;
    if (!s) continue;
    if (s.totalVfs === 0 && (s.initialVfs ?? 0) > 0) {
      reasons.push(`${d.bdf}: Total VFs is 0 but Initial VFs is ${s.initialVfs}: SR-IOV is disabled in the BIOS; enable "SR-IOV Support" in the BIOS setup.`);
    }
    if (s.totalVfs > 0) capable++;
    const kb = findSriovDevice(d);
    const dev: Device = {
      bdf: d.bdf,
      totalVfs: s.totalVfs,
      numVfs: s.numVfs,
      ...(d.name || kb ? { name: (d.name ?? kb!.name).slice(0, 512) } : {}),
      ...(d.usedVfs !== undefined ? { usedVfs: d.usedVfs } : {}),
      ...(d.flr !== undefined ? { flr: d.flr } : {}),
      ...(s.vfDeviceId ? { vfDeviceId: s.vfDeviceId } : {}),
      ...(d.vendorId ? { vendorId: d.vendorId } : {}),
      ...(d.deviceId ? { deviceId: d.deviceId } : {}),
    };
    devices.push(dev);
    evidence.push(...d.evidence.slice(0, 4));
    if (kb && s.totalVfs > 0 && s.totalVfs < kb.maxVfs) reasons.push(`${d.bdf}: ${s.totalVfs} VFs offered; the ${kb.name} supports up to ${kb.maxVfs}.${kb.note ? ` ${kb.note}` : ''}`);
    if (s.numVfs > 8 && d.ariHierarchy === false) reasons.push(`${d.bdf}: ${s.numVfs} VFs enabled without ARI (ARIHierarchy-): VFs beyond function 7 need ARI support upstream.`);
    if (d.flr === false) reasons.push(`${d.bdf}: no FLR on the PF (FLReset-).`);
  }
  if (devices.length === 0) {
    if (!facts.pci.present) return { status: 'unknown', devices, reasons: ['No PCI evidence (lspci -vv as root, or sysfs) was captured.'], evidence };
    if (facts.pci.accessDenied) {
      return { status: 'unknown', devices, reasons: ['lspci ran without root, so SR-IOV capabilities are unreadable: run `lspci -vv` as root.'], evidence };
    }
    return { status: 'none', devices, reasons: ['No PCI device has an SR-IOV capability.', ...reasons], evidence };
  }
  if (capable === 0) return { status: 'none', devices, reasons: ['No SR-IOV device offers VFs.', ...reasons], evidence: evidence.slice(0, 256) };
  const iommu = iommuVerdict(facts);
  const total = devices.reduce((n, d) => n + d.numVfs, 0);
  const used = devices.reduce((n, d) => n + (d.usedVfs ?? 0), 0);
  const summary = `${capable} SR-IOV PF(s); ${total} VF(s) enabled${facts.pci.guestListPresent ? `, ${used} held by guests` : ''}.`;
  if (iommu.status === 'yes') return { status: 'ready', devices, reasons: [summary, ...reasons], evidence: evidence.slice(0, 256) };
  return {
    status: 'capable',
    devices,
    reasons: [summary, `VFs cannot be passed through: the IOMMU is ${iommu.status}.`, ...reasons],
    evidence: evidence.slice(0, 256),
  };
}
