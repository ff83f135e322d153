import type { Snapshot, Verdicts } from '../../../../../libs/contracts/src';
import type { AcpiFindingRow, FirmwareIdentity, HostCurrentUpdate, PciDeviceRow, SriovFunctionRow } from '../../../../../libs/db/src/repositories/snapshot-write.repository';
import { buildHostFacts } from '../../../../../libs/evidence/src/host-facts';
import type { EvidenceBundle, HostFacts } from '../../../../../libs/evidence/src/host-facts';
import { computeVerdicts } from '../../../../../libs/verdicts/src';
import { canonicalJson, contentHash } from '../../../../../libs/queue/src/canonical-json';

/** Everything the worker stores for one snapshot, derived on the server (the agent's verdicts are ignored). */
export interface DerivedSnapshot {
  facts: HostFacts;
  verdicts: Verdicts;
  /** sha256 of facts + verdicts + boot id: the non-volatile content (not snapshotId, collectedAt, agent version). */
  contentHash: string;
  factsJson: string;
  verdictsJson: string;
  firmware: FirmwareIdentity;
  xenVersion: string | null;
  statuses: HostCurrentUpdate['statuses'];
  sriovTotals: HostCurrentUpdate['sriovTotals'];
  pci: PciDeviceRow[];
  sriov: SriovFunctionRow[];
  acpi: AcpiFindingRow[];
}

// The evidence hash and DERIVE_VERSION live in libs/queue (the API computes the hash too, for the job).
export { DERIVE_VERSION, evidenceHash } from '../../../../../libs/queue/src/evidence-hash';

/** Raw evidence as the wire carries it: text as is, binary files as `base64:<data>` (contracts RawEvidenceSchema). */
export function decodeEvidence(evidence: Record<string, string>): EvidenceBundle {
  const out: EvidenceBundle = {};
  for (const [k, v] of Object.entries(evidence)) out[k] = v.startsWith('base64:') ? new Uint8Array(Buffer.from(v.slice(7), 'base64')) : v;
  return out;
}

/**
 * Facts as the agent sent them, with the parts the rules always read filled in when missing (an older
 * or partial agent), so `computeVerdicts` sees a total `HostFacts`.
 */
export function completeFacts(facts: Record<string, unknown>): HostFacts {
  const f = facts as Partial<HostFacts>;
  return {
    ...(f as object),
    sources: Array.isArray(f.sources) ? f.sources : [],
    isXenDom0: f.isXenDom0 ?? null,
    acpi: f.acpi ?? { tablesSeen: [], inventoryKnown: false },
    pci: f.pci ?? { present: false, accessDenied: false, devices: [], assignableListPresent: false, guestListPresent: false },
    findings: Array.isArray(f.findings) ? f.findings : [],
  } as HostFacts;
}

const s = (v: string | undefined): string => (v ?? '').trim();

/**
 * Re-derive facts (from `snapshot.evidence` when present, else `snapshot.facts`) and verdicts, and
 * reduce them to the rows the database keeps. Pure; throws only on a parser or rule bug.
 */
export function deriveSnapshot(snapshot: Snapshot): DerivedSnapshot {
  const facts = snapshot.evidence && Object.keys(snapshot.evidence).length > 0 ? buildHostFacts(decodeEvidence(snapshot.evidence)) : completeFacts(snapshot.facts);
  const verdicts = computeVerdicts(facts);
  const fw = facts.firmware ?? {};
  const passthrough = new Map((verdicts.passthrough.devices ?? []).map((d) => [d.bdf, d.status]));
  const sriovDevices = verdicts.sriov.devices;
  const findingRows = (kind: 'DMAR' | 'IVRS', v: Verdicts['acpiDmar']): AcpiFindingRow[] =>
    v.findings.map((x) => ({ tableKind: kind, signature: v.signature ?? null, tableSha256: v.sha256 ?? null, code: x.code, severity: x.severity, message: x.message }));
  return {
    facts,
    verdicts,
    contentHash: contentHash({ facts, verdicts, bootId: snapshot.bootId }),
    factsJson: JSON.stringify(facts),
    verdictsJson: JSON.stringify(verdicts),
    firmware: {
      boardVendor: s(fw.boardVendor),
      boardName: s(fw.boardName),
      biosVendor: s(fw.biosVendor),
      biosVersion: s(fw.biosVersion),
      biosDate: s(fw.biosDate),
      sysVendor: s(fw.sysVendor),
      productName: s(fw.productName),
    },
    xenVersion: facts.xlInfo?.xenVersion ?? facts.xenLog?.xenVersion ?? null,
    statuses: {
      hvm: verdicts.hvm.status,
      hvmVendor: verdicts.hvm.vendor ?? null,
      hap: verdicts.hap.status,
      iommu: verdicts.iommu.status,
      iommuKind: verdicts.iommu.kind ?? null,
      intremap: verdicts.interruptRemapping.status,
      passthrough: verdicts.passthrough.status,
      sriov: verdicts.sriov.status,
      acpiDmar: verdicts.acpiDmar.status,
      acpiIvrs: verdicts.acpiIvrs.status,
    },
    sriovTotals: {
      total: sriovDevices.reduce((n, d) => n + d.totalVfs, 0),
      num: sriovDevices.reduce((n, d) => n + d.numVfs, 0),
      used: sriovDevices.reduce((n, d) => n + (d.usedVfs ?? 0), 0),
    },
    pci: facts.pci.devices.map((d) => ({
      bdf: d.bdf,
      vendorId: d.vendorId ?? null,
      deviceId: d.deviceId ?? null,
      name: d.name ?? null,
      className: null,
      driver: d.kernelDriver ?? null,
      flr: d.flr ?? null,
      passthroughStatus: passthrough.get(d.bdf) ?? null,
    })),
    sriov: sriovDevices.map((d) => ({
      pfBdf: d.bdf,
      name: d.name ?? null,
      vendorId: d.vendorId ?? null,
      deviceId: d.deviceId ?? null,
      vfDeviceId: d.vfDeviceId ?? null,
      totalVfs: d.totalVfs,
      numVfs: d.numVfs,
      usedVfs: d.usedVfs ?? 0,
      flr: d.flr ?? null,
    })),
    acpi: [...findingRows('DMAR', verdicts.acpiDmar), ...findingRows('IVRS', verdicts.acpiIvrs)],
  };
}
