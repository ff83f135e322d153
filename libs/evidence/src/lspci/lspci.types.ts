import type { Finding } from '../common';

/**
 * The SR-IOV extended capability as `lspci -vv` prints it (pciutils `ls-ecaps.c`, `cap_sriov`):
 * `IOVCap: Migration±`, `IOVCtl: Enable± … ARIHierarchy±`, `Initial VFs: %d, Total VFs: %d, Number of VFs: %d,
 * Function Dependency Link: %02x`, `VF offset: %d, stride: %d, Device ID: %04x`.
 * A field is undefined when its line was not in the capture (`lspci -v` prints only the capability header).
 */
export interface LspciSriov {
  initialVfs?: number;
  totalVfs?: number;
  numVfs?: number;
  /** Hex as printed (`%02x`), e.g. `"01"`. */
  functionDependencyLink?: string;
  vfOffset?: number;
  vfStride?: number;
  /** VF device id, hex as printed (`%04x`), e.g. `"1016"`. */
  vfDeviceId?: string;
  /** `IOVCtl: Enable+`: VFs are switched on. */
  enabled?: boolean;
  /** `IOVCtl: ARIHierarchy+`. */
  ariHierarchy?: boolean;
  /** `IOVCap: Migration+`. */
  migration?: boolean;
}

/**
 * Access Control Services: `ACSCap:` and `ACSCtl:` flag lists
 * (`SrcValid± TransBlk± ReqRedir± CmpltRedir± UpstreamFwd± EgressCtrl± DirectTrans±`), flag name → `+`.
 */
export interface LspciAcs {
  cap: Record<string, boolean>;
  ctl: Record<string, boolean>;
}

/** Address Translation Service: `ATSCap: Invalidate Queue Depth: %02x`, `ATSCtl: Enable±, Smallest Translation Unit: %02x`. */
export interface LspciAts {
  invalidateQueueDepth?: number;
  enabled?: boolean;
  stu?: number;
}

/** One PCI function from `lspci -v…` output. */
export interface LspciDevice {
  /** Always domain-qualified and lower case, e.g. `0000:3b:00.0` (lspci omits the domain when all devices are in 0000). */
  bdf: string;
  /** 1-based line in the input where the device header starts. */
  line: number;
  /** Class name, e.g. `Ethernet controller`. */
  className: string;
  /** Class code with `-nn`, e.g. `0200` (from `Ethernet controller [0200]`). */
  classCode?: string;
  /** Vendor id with `-nn`, e.g. `15b3` (from `[15b3:1015]`). */
  vendorId?: string;
  /** Device id with `-nn`, e.g. `1015`. */
  deviceId?: string;
  /** Vendor and device name as printed, without ids, revision and prog-if. */
  name: string;
  /** `(rev xx)` as printed, e.g. `"a1"`. */
  revision?: string;
  /** `(prog-if xx [...])` code, e.g. `"02"`. */
  progIf?: string;
  /** `Subsystem:` text (ids stripped). */
  subsystem?: string;
  subsystemVendorId?: string;
  subsystemDeviceId?: string;
  /** `FLReset+`/`FLReset-` in `DevCap:` (not `DevCtl:`); undefined when no DevCap line was captured. */
  flr?: boolean;
  sriov?: LspciSriov;
  acs?: LspciAcs;
  ats?: LspciAts;
  /** `Alternative Routing-ID Interpretation (ARI)` capability present. */
  ari: boolean;
  /** PCI Express capability present (`Capabilities: [..] Express …`). */
  express: boolean;
  /** Device/port type from the Express capability: `Endpoint`, `Legacy Endpoint`, `Root Port`, `Downstream Port`, … */
  pcieType?: string;
  /** The class is a bridge (class name contains "bridge", or class code 06xx). */
  isBridge: boolean;
  /**
   * The function is a conventional-PCI bridge: a `PCI bridge`/`CardBus bridge` without an Express capability, or
   * an Express `PCI-Express to PCI/PCI-X Bridge`. Devices behind it are not PCIe (no FLR/ACS isolation).
   * Undefined when the capabilities were not readable (access denied) or not printed (no `-v`).
   */
  conventionalPciBridge?: boolean;
  /** Bridges: `Bus: primary=.., secondary=.., subordinate=..` (hex bus numbers as integers). */
  secondaryBus?: number;
  subordinateBus?: number;
  kernelDriver?: string;
  kernelModules?: string[];
  /** `IOMMU group: N`; always absent in a PV dom0 (Linux runs no IOMMU driver there). */
  iommuGroup?: number;
  /** `Capabilities: <access denied>`: lspci ran without root; capability facts are unknown, not "no". */
  capabilitiesAccessDenied: boolean;
  /** Names of all capabilities seen, e.g. `Single Root I/O Virtualization (SR-IOV)`. */
  capabilities: string[];
}

/** Result of {@link parseLspci}. */
export interface LspciResult {
  devices: LspciDevice[];
  /** Some device printed `Capabilities: <access denied>`: the run was not as root, capability facts are incomplete. */
  accessDenied: boolean;
  findings: Finding[];
}
