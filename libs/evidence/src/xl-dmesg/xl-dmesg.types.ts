import { EvidenceRef, Finding } from '../common';
import { XenCommandline } from '../cmdline';
import { AcpiChecksumWarning, AcpiTableEntry } from './acpi-table-line';

/** The VT-d features Xen reports as `Intel VT-d <F> enabled.` / `… not enabled.` (X vtd/iommu.c; `Posted Interrupt` 4.7+, `Shared EPT tables` 4.2+). */
export type VtdFeature =
  | 'Snoop Control'
  | 'Dom0 DMA Passthrough'
  | 'Queued Invalidation'
  | 'Interrupt Remapping'
  | 'Posted Interrupt'
  | 'Shared EPT tables';

/** HVM signals (X hvm/hvm.c, hvm/vmx/vmcs.c, hvm/svm/svm.c). */
export interface XlDmesgHvm {
  /** From `HVM: VMX enabled` / `HVM: SVM enabled`. */
  enabled?: 'vmx' | 'svm';
  /** `CPU<n>: VMX disabled by BIOS.`, old `VMX disabled by Feature Control MSR.`, `VMXON failed…TXT…`, `unexpected VMXON failure`, `AMD SVM Extension is disabled in BIOS.` (and Linux/tboot wordings). */
  disabledByFirmware: EvidenceRef[];
  /** `VMX: failed to initialise.` / `SVM: failed to initialise.` */
  failedToInitialise: EvidenceRef[];
  /** `VMX: CPU<n> has insufficient <ctl> (…)`: typical of Xen running nested. */
  insufficientControls: EvidenceRef[];
  /** The ` - …` list after `VMX:`/`SVM: Supported advanced features:` (` - none` gives []). */
  features: string[];
  /** Whose list `features` is: the header's vendor, or the `HVM: … enabled` vendor for a headerless excerpt. */
  featuresVendor?: 'vmx' | 'svm';
  /**
   * True when the excerpt began inside the feature list (no header line): the leading ` - …` lines were
   * taken as HVM features because the next line is an `HVM:`/`VMX:`/`SVM:` line. The list may be truncated.
   */
  featuresFromPartialList: boolean;
  evidence: { enabled?: EvidenceRef; features?: EvidenceRef };
}

/** HAP signals: 4.0–4.1 `HVM: Hardware Assisted Paging detected.`; 4.2+ `(HAP) detected` + `HAP page sizes:`; 4.3+ `not detected` / `detected but disabled`. */
export interface XlDmesgHap {
  detected: boolean;
  /** `… (HAP) detected but disabled` (the admin set `hap=0`). */
  disabled: boolean;
  notDetected: boolean;
  /** As printed, `[disabled]` markers kept: e.g. `['4kB', '2MB [disabled]', '1GB']`. */
  pageSizes: string[];
  evidence: { detected?: EvidenceRef; disabled?: EvidenceRef; notDetected?: EvidenceRef; pageSizes?: EvidenceRef };
}

/** Generic IOMMU signals (X drivers/passthrough/iommu.c). */
export interface XlDmesgIommu {
  /** `I/O virtualisation enabled|disabled` (4.1+). */
  ioVirtualisation?: 'enabled' | 'disabled';
  /** ` - Dom0 mode: Passthrough|Strict|Relaxed` (only when enabled). */
  dom0Mode?: string;
  /** `Interrupt remapping enabled|disabled` (4.4+, only when the IOMMU is enabled). */
  interruptRemapping?: 'enabled' | 'disabled';
  /** `Couldn't enable IOMMU and iommu=required/force` (or `Interrupt Remapping`): Xen panicked. */
  requiredPanic?: EvidenceRef;
  evidence: { ioVirtualisation?: EvidenceRef; dom0Mode?: EvidenceRef; interruptRemapping?: EvidenceRef };
}

/** One VT-d unit from `Intel VT-d iommu N supported page sizes: 4kB, 2MB, 1GB[.]` (4.2: no unit number). */
export interface VtdUnit {
  index?: number;
  pageSizes: string[];
  evidence: EvidenceRef;
}

/** Intel VT-d signals (X vtd/iommu.c, vtd/dmar.c, x86/apic.c). */
export interface XlDmesgVtd {
  /** Any `Intel VT-d` line was seen. */
  detected: boolean;
  units: VtdUnit[];
  features: Partial<Record<VtdFeature, boolean>>;
  featureEvidence: Partial<Record<VtdFeature, EvidenceRef>>;
  /** `Not enabling x2APIC (upon firmware request)`: the DMAR x2APIC opt-out flag. */
  x2apicOptOut?: EvidenceRef;
  /** `[VT-D]IOMMU: unsupported` (and `… unsupported sagaw N`). */
  unsupported: EvidenceRef[];
}

/** AMD-Vi signals (X amd/iommu_acpi.c, iommu_init.c, pci_amd_iommu.c). */
export interface XlDmesgAmdVi {
  /** Any `AMD-Vi:` line was seen. */
  detected: boolean;
  /** N of every `AMD-Vi: IOMMU N Enabled.` */
  enabledUnits: number[];
  enabledEvidence: EvidenceRef[];
  /** `AMD-Vi: IOMMU not found!` (≤4.12 only; also printed on Intel hosts without DMAR). */
  notFound?: EvidenceRef;
  /** `AMD-Vi: Error initialization`. */
  errorInit?: EvidenceRef;
  /** `AMD-Vi: SP5100 erratum 28 detected, disabling IOMMU.` */
  sp5100Erratum?: EvidenceRef;
  /** `…no CMPXCHG16B support, disabling IOMMU`. */
  noCmpxchg16b?: EvidenceRef;
  /** `AMD-Vi: Using global interrupt remap table is not recommended (see XSA-36)!` */
  globalIntremapWarning?: EvidenceRef;
  /** `AMD-Vi: IOMMU <sbdf> enabled by firmware (ctrl …)`. */
  enabledByFirmware: EvidenceRef[];
  /** The ` - …` list after `AMD-Vi: IOMMU Extended Features:`. */
  extendedFeatures: string[];
  /** Number of `AMD-Vi: IO_PAGE_FAULT` lines. */
  ioPageFaults: number;
}

/** An ACPI `Incorrect checksum in table [SIG]` warning with the line it came from. */
export interface AcpiChecksumError extends AcpiChecksumWarning {
  evidence: EvidenceRef;
}

/** Everything {@link parseXlDmesg} reads from `xl dmesg` (evidence-spec §2). Every signal keeps its line. */
export interface XlDmesg {
  /** A `Xen version ` banner is present; without it the ring buffer wrapped or the capture is partial, and absent signals are unknown. */
  complete: boolean;
  /** From the banner, e.g. `4.8.3`. */
  xenVersion?: string;
  banner?: EvidenceRef;
  /** The `Command line:` line, parsed. */
  commandLine?: XenCommandline;
  commandLineEvidence?: EvidenceRef;
  hvm: XlDmesgHvm;
  hap: XlDmesgHap;
  iommu: XlDmesgIommu;
  vtd: XlDmesgVtd;
  amdVi: XlDmesgAmdVi;
  /** The boot-time ACPI table listing (the per-boot table fingerprint). */
  acpiTables: AcpiTableEntry[];
  acpiChecksumErrors: AcpiChecksumError[];
  findings: Finding[];
  /** Number of lines read. */
  lineCount: number;
}
