import type { Verdicts } from '../../../contracts/src/verdicts';
import type { FirmwareFacts } from '../facts-firmware';
import type { HostFacts } from '../facts';

/** The status of every verdict, by key. */
export type VerdictStatuses = { [K in keyof Verdicts]: Verdicts[K]['status'] };

/** Fingerprint of one IOMMU ACPI table as seen in one snapshot. */
export interface TableFingerprint {
  signature: string;
  sha256?: string;
  oemRevision?: number;
}

/**
 * The part of a snapshot that change detection compares (evidence-spec §9 "Alert"). Plain JSON, so the
 * worker can store it and compare it with the next snapshot without re-parsing evidence.
 */
export interface ComparableState {
  bootId: string;
  collectedAt: string;
  firmware: FirmwareFacts;
  /** `bios_vendor|bios_version|bios_date|bios_release` (evidence-spec §8), or null when DMI was not read. */
  firmwareKey: string | null;
  xenVersion: string | null;
  /** Canonical IOMMU options from `xen_commandline`, or null when the command line was not captured. */
  iommuKey: string | null;
  iommuDisabledByAdmin: boolean;
  statuses: VerdictStatuses;
  tables: { dmar: TableFingerprint | null; ivrs: TableFingerprint | null };
  sriov: Array<{ bdf: string; totalVfs: number; numVfs: number; usedVfs?: number }>;
}

const firmwareKeyOf = (fw: FirmwareFacts | undefined): string | null => {
  if (!fw) return null;
  const parts = [fw.biosVendor, fw.biosVersion, fw.biosDate, fw.biosRelease];
  return parts.every((p) => p === undefined) ? null : parts.map((p) => (p ?? '').trim()).join('|');
};

const fingerprint = (v: Verdicts['acpiDmar']): TableFingerprint | null =>
  v.signature === undefined
    ? null
    : { signature: v.signature, ...(v.sha256 ? { sha256: v.sha256 } : {}), ...(v.oemRevision !== undefined ? { oemRevision: v.oemRevision } : {}) };

/** Reduce one snapshot (facts + verdicts + boot id + time) to the state {@link compareSnapshots} reads. */
export function toComparableState(input: { facts: HostFacts; verdicts: Verdicts; bootId: string; collectedAt: string }): ComparableState {
  const { facts, verdicts } = input;
  const statuses = Object.fromEntries(Object.entries(verdicts).map(([k, v]) => [k, v.status])) as VerdictStatuses;
  return {
    bootId: input.bootId,
    collectedAt: input.collectedAt,
    firmware: { ...(facts.firmware ?? {}) },
    firmwareKey: firmwareKeyOf(facts.firmware),
    xenVersion: facts.xlInfo?.xenVersion ?? facts.xenLog?.xenVersion ?? null,
    iommuKey: facts.xenCommandline?.iommuKey ?? null,
    iommuDisabledByAdmin: facts.xenCommandline?.iommuDisabledByAdmin ?? false,
    statuses,
    tables: { dmar: fingerprint(verdicts.acpiDmar), ivrs: fingerprint(verdicts.acpiIvrs) },
    sriov: verdicts.sriov.devices
      .map((d) => ({ bdf: d.bdf, totalVfs: d.totalVfs, numVfs: d.numVfs, ...(d.usedVfs !== undefined ? { usedVfs: d.usedVfs } : {}) }))
      .sort((a, b) => (a.bdf < b.bdf ? -1 : a.bdf > b.bdf ? 1 : 0)),
  };
}
