import { EvidenceRef, Finding } from '../common';
import { AcpiChecksumError, AcpiTableEntry } from '../xl-dmesg';

/** `BIOS vendor: …; Ver: …; Product Version: …`, printed by `warn_invalid_dmar()` after the address-0/all-ones line. */
export interface LinuxBiosInfo {
  vendor: string;
  version: string;
  productVersion: string;
  evidence: EvidenceRef;
}

/** Intel DMAR driver lines (bare metal only; a PV dom0 runs no IOMMU driver, evidence-spec §0.2). */
export interface LinuxDmar {
  /** `DMAR: Host address width N`. */
  hostAddressWidth?: number;
  /** `DMAR: DRHD base: 0x… flags: 0x…`. */
  drhd: { base: string; flags: string; evidence: EvidenceRef }[];
  /** `DMAR: RMRR base: 0x… end: 0x…`. */
  rmrr: { base: string; end: string; evidence: EvidenceRef }[];
  /** `DMAR-IR: Enabled IRQ remapping in xapic|x2apic mode`. */
  irqRemapping?: 'xapic' | 'x2apic';
  irqRemappingEvidence?: EvidenceRef;
  /** `DMAR-IR: x2apic is disabled because BIOS sets x2apic opt out bit.` */
  x2apicOptOut?: EvidenceRef;
  /** `DMAR: Intel(R) Virtualization Technology for Directed I/O`: the driver is up. */
  enabled?: EvidenceRef;
  /** `DMAR: Parse DMAR table failure.` */
  parseFailed?: EvidenceRef;
}

/** AMD IOMMU driver lines (bare metal only). */
export interface LinuxAmdVi {
  /** `AMD-Vi: Found IOMMU at 0000:00:00.2 cap 0x40`. */
  iommus: { bdf: string; cap?: string; evidence: EvidenceRef }[];
  /** Ids of `IOAPIC[n] not in IVRS table` (old and new wording). */
  missingIoapics: number[];
  noSouthbridgeIoapic?: EvidenceRef;
  /** `AMD-Vi: Interrupt remapping enabled` / `AMD-Vi: Disabling interrupt remapping…`. */
  interruptRemapping?: 'enabled' | 'disabled';
  interruptRemappingEvidence?: EvidenceRef;
  /** `AMD-Vi: Initialized for Passthrough Mode`. */
  passthroughMode?: EvidenceRef;
}

/** Everything {@link parseLinuxDmesg} reads from a Linux `dmesg` (evidence-spec §0 and §3). */
export interface LinuxDmesg {
  /** `Booting paravirtualized kernel on Xen` or `Setting APIC routing to Xen PV.`: a PV domain (dom0), where DMAR/AMD-Vi messages are never printed. */
  xenPv?: EvidenceRef;
  /** From `Booting paravirtualized kernel on Xen[ PVH| HVM]`. */
  xenGuestType?: 'PV' | 'PVH' | 'HVM';
  /** `DMI: <vendor> <product>, BIOS <version> <date>`. */
  dmi?: { text: string; evidence: EvidenceRef };
  biosInfo?: LinuxBiosInfo;
  /** ACPI table listing (`ACPI: RMAD 0x… …` in a dom0 whose DMAR Xen renamed). */
  acpiTables: AcpiTableEntry[];
  /** Which name the DMAR table was listed under, if any: `DMAR`, `RMAD` (current Xen) or `XMAR` (old Xen). */
  dmarTableSignature?: 'DMAR' | 'RMAD' | 'XMAR';
  acpiChecksumErrors: AcpiChecksumError[];
  dmar: LinuxDmar;
  amdVi: LinuxAmdVi;
  /** Number of distinct `Adding to iommu group N` groups. */
  iommuGroups: number;
  findings: Finding[];
  lineCount: number;
}
