import type { EvidenceRef, Finding } from '../common';
import type { DmiFirmware } from '../dmi/dmi.types';

/**
 * The evidence directory as a map: path inside the directory (DESIGN.md "Evidence directory") to its
 * content. Text files as strings; ACPI tables (`acpi/<SIG>`, `acpi/<SIG>.dat`) as bytes.
 * Every key is optional: a missing file means "no evidence", never an error.
 */
export type EvidenceBundle = Record<string, string | Uint8Array>;

/** Firmware identity strings as the firmware reports them, trimmed (DESIGN.md `facts.firmware`). */
export type FirmwareFacts = DmiFirmware;

/**
 * Signals read from the Xen boot log (`xl dmesg`, evidence-spec §2). Each present key holds the first
 * line that showed it. Names follow the message they stand for.
 */
export type XenLogSignal =
  | 'hvmVmxEnabled' // HVM: VMX enabled
  | 'hvmSvmEnabled' // HVM: SVM enabled
  | 'vmxDisabledByBios' // CPU<n>: VMX disabled by BIOS. / VMX disabled by Feature Control MSR.
  | 'vmxonFailedTxt' // CPU<n>: VMXON failed: perhaps because of TXT settings in your BIOS configuration?
  | 'svmDisabledByBios' // CPU<n>: AMD SVM Extension is disabled in BIOS.
  | 'hvmInitFailed' // VMX: failed to initialise. / SVM: failed to initialise. / unexpected VMXON failure
  | 'vmxInsufficient' // VMX: CPU<n> has insufficient ...
  | 'hapDetected' // HVM: Hardware Assisted Paging (HAP) detected / HVM: Hardware Assisted Paging detected.
  | 'hapDetectedButDisabled' // ... (HAP) detected but disabled
  | 'hapNotDetected' // ... (HAP) not detected
  | 'iommuEnabled' // I/O virtualisation enabled
  | 'iommuDisabled' // I/O virtualisation disabled
  | 'intremapEnabled' // Interrupt remapping enabled / Intel VT-d Interrupt Remapping enabled.
  | 'intremapDisabled' // Interrupt remapping disabled / Intel VT-d Interrupt Remapping not enabled.
  | 'vtdPresent' // Intel VT-d ... supported page sizes
  | 'amdViEnabled' // AMD-Vi: IOMMU N Enabled.
  | 'amdViNotFound' // AMD-Vi: IOMMU not found! (<= 4.12)
  | 'dmarParseFailed' // Failed to parse ACPI DMAR.  Disabling VT-d.
  | 'dmarInvalidEntryLength' // [VT-D]Invalid ACPI DMAR entry length
  | 'dmarOverlappingRmrrs' // [VT-D]Overlapping RMRRs
  | 'rmrrNotReserved' // RMRR ... not in reserved memory / is not (entirely) in reserved memory
  | 'sp5100Erratum' // AMD-Vi: SP5100 erratum 28 detected, disabling IOMMU.
  | 'ivhdError' // IVHD Error: no information for IO-APIC
  | 'noSouthbridgeIoapic' // No southbridge IO-APIC found in IVRS table
  | 'amdViError' // AMD-Vi: Error: ... / AMD-Vi: Error initialization / Cannot find supported IVHD type.
  | 'ivmdNotReserved' // IVMD: ... is not (entirely) in reserved memory
  | 'checksumDmar' // Incorrect checksum in table [DMAR]
  | 'checksumIvrs' // Incorrect checksum in table [IVRS] / IVRS: invalid checksum
  | 'noCmpxchg16b' // ... no CMPXCHG16B support, disabling IOMMU
  | 'iommuRequiredPanic'; // Couldn't enable IOMMU and iommu=required/force

/** Intel VT-d feature lines: `Intel VT-d <F> enabled.` / `not enabled.` */
export type VtdFeature = 'snoopControl' | 'dom0Passthrough' | 'queuedInvalidation' | 'interruptRemapping' | 'postedInterrupt' | 'sharedEpt';

/** What the Xen boot log says (evidence priority 2). */
export interface XenLogFacts {
  /** True when the `Xen version ` banner is present: the ring buffer did not wrap past the start. */
  complete: boolean;
  xenVersion?: string;
  signals: Partial<Record<XenLogSignal, EvidenceRef>>;
  /** `HVM: HAP page sizes:` items as printed, including `[disabled]` markers. */
  hapPageSizes?: string[];
  vtdFeatures: Partial<Record<VtdFeature, boolean>>;
  /** ` - Dom0 mode: Passthrough|Strict|Relaxed`. */
  dom0Mode?: string;
  /** ACPI table signatures from the `ACPI: SIG addr, len (...)` listing; null when no listing was seen. */
  acpiTables: string[] | null;
  findings: Finding[];
}

/** The IOMMU-relevant parts of the Xen command line (evidence-spec §1 `xen_commandline`). */
export interface XenCommandlineFacts {
  raw: string;
  ref?: EvidenceRef;
  /** Canonical string of every IOMMU-related option, for change comparison. */
  iommuKey: string;
  iommuDisabledByAdmin: boolean;
  hapDisabledByAdmin: boolean;
  intremapDisabledByAdmin: boolean;
  /** `ivrs_ioapic[...]=` overrides present. */
  ivrsIoapicOverride: boolean;
}

/** What `xl info` says (evidence priority 1). */
export interface XlInfoFacts {
  machine?: string;
  xenVersion?: string;
  /** `xen_caps` tokens; null when the field is missing. */
  xenCaps: string[] | null;
  /** `virt_caps` tokens; null when the field is missing. An empty list is a real "no capabilities". */
  virtCaps: string[] | null;
  /** VMX / SVM / LM bits from `hw_caps` (layout by Xen version); null when unreadable. */
  hwCaps: { vmx: boolean; svm: boolean; lm: boolean } | null;
  refs: Partial<Record<'xen_caps' | 'virt_caps' | 'hw_caps' | 'xen_version' | 'machine', EvidenceRef>>;
}

/** An ACPI table (DMAR family or IVRS) as found in the evidence. */
export interface AcpiTableFacts {
  /** Signature the table was found under: RMAD, XMAR or DMAR (priority in that order), or IVRS. */
  signature: string;
  source: string;
  sha256?: string;
  length?: number;
  oemId?: string;
  oemTableId?: string;
  oemRevision?: number;
  /** Validity-check findings (evidence-spec §4), errors and warnings. */
  findings: Finding[];
}

/** ACPI evidence: the IOMMU tables and which tables the evidence shows at all. */
export interface AcpiFacts {
  dmar?: AcpiTableFacts;
  ivrs?: AcpiTableFacts;
  /** Every table signature seen (files, acpidump, boot-log listings). */
  tablesSeen: string[];
  /** True when some source lists the tables, so a missing DMAR/IVRS really is missing. */
  inventoryKnown: boolean;
}

/** A PCI function, merged from lspci, sysfs and `xl pci-*`. */
export interface PciDeviceFacts {
  bdf: string;
  name?: string;
  vendorId?: string;
  deviceId?: string;
  isBridge?: boolean;
  /** A PCI-to-PCI bridge without a PCI Express capability (conventional PCI below it). */
  conventionalBridge?: boolean;
  secondaryBus?: number;
  subordinateBus?: number;
  flr?: boolean;
  resetMethods?: string[];
  acs?: boolean;
  ats?: boolean;
  ari?: boolean;
  ariHierarchy?: boolean;
  sriov?: { initialVfs?: number; totalVfs: number; numVfs: number; vfDeviceId?: string; vfOffset?: number; vfStride?: number };
  /** VFs of this PF held by guests (from `xl pci-list`). */
  usedVfs?: number;
  assignable?: boolean;
  assignedTo?: string[];
  kernelDriver?: string;
  capabilitiesAccessDenied?: boolean;
  evidence: EvidenceRef[];
}

/** PCI evidence. `present` is false when neither lspci nor sysfs PCI data was given. */
export interface PciFacts {
  present: boolean;
  /** lspci ran without root: capabilities are unreadable. */
  accessDenied: boolean;
  devices: PciDeviceFacts[];
  assignableListPresent: boolean;
  guestListPresent: boolean;
}

/** Supporting CPU evidence from /proc/cpuinfo (never decisive in a PV dom0, evidence-spec §0.1). */
export interface CpuFacts {
  vendor?: 'intel' | 'amd';
  flags: string[];
  hypervisorFlag: boolean;
  ref?: EvidenceRef;
}

/** Kernel (Linux) log facts. `[Firmware Bug]` findings only count on bare metal. */
export interface LinuxLogFacts {
  xenPv: boolean;
  findings: Finding[];
  acpiTables: string[];
}

/**
 * Everything the parsers found on one host, compact and JSON-serialisable: this is `snapshot.facts`.
 * Verdict rules (`libs/verdicts`) read only this.
 */
export interface HostFacts {
  /** Evidence-directory paths that were present. */
  sources: string[];
  firmware?: FirmwareFacts;
  /** True/false from /proc/xen/capabilities or /sys/hypervisor; null when unknown. */
  isXenDom0: boolean | null;
  guestType?: string;
  arch?: 'x86_64' | 'aarch64' | 'arm' | 'other';
  xlInfo?: XlInfoFacts;
  xenCommandline?: XenCommandlineFacts;
  xenLog?: XenLogFacts;
  cpu?: CpuFacts;
  linuxLog?: LinuxLogFacts;
  acpi: AcpiFacts;
  pci: PciFacts;
  /** Problems with the evidence itself (parse failures, truncation). */
  findings: Finding[];
}
