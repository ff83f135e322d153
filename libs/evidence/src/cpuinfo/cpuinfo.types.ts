import type { Finding } from '../common';

/** What `/proc/cpuinfo` (or `lscpu`) says about the CPU. Supporting evidence only: see evidence-spec §0.1 and §5. */
export interface CpuInfo {
  /** `cpuinfo` (`key\t: value`), `lscpu` (`Key:   value`, e.g. hw-probe captures) or `unknown`. */
  format: 'cpuinfo' | 'lscpu' | 'unknown';
  /** From `vendor_id`/`Vendor ID`: GenuineIntel → intel, AuthenticAMD and HygonGenuine (AMD-derived, SVM) → amd. */
  vendor: 'intel' | 'amd' | 'other' | undefined;
  vendorId?: string;
  modelName?: string;
  family?: number;
  model?: number;
  stepping?: number;
  /** Number of `processor : N` blocks in the capture (an excerpt may hold fewer than the host), else lscpu `CPU(s)`. */
  cpuCount?: number;
  /** De-duplicated union of `flags` (x86) or `Features` (Arm) across all CPUs, in first-seen order. */
  flags: string[];
  /** The separate `vmx flags` line (Linux with CONFIG_X86_VMX_FEATURE_NAMES), de-duplicated. */
  vmxFlags: string[];
  hasVmx: boolean;
  hasSvm: boolean;
  hasLm: boolean;
  /** The `hypervisor` flag: running under a hypervisor (a Xen dom0 is a guest too). */
  hypervisor: boolean;
  /**
   * `hypervisor` set and neither `vmx` nor `svm`: what a Xen PV dom0 shows (Xen hides VMX/SVM from PV guests).
   * A KVM guest without nested virtualization looks the same; here absence of vmx/svm proves nothing.
   */
  xenPvDom0Likely: boolean;
  /**
   * *(inference)* `hypervisor` set and `vme`, `pse`, `pge`, `mtrr` all hidden: the flag set of a Xen PV guest
   * (Xen ≤4.6 `pv_cpuid` cleared VME/PSE/PGE; Linux clears MTRR under Xen PV). Seen in both dom0 captures.
   */
  xenPvFlagPattern: boolean;
  /** Arm: `CPU implementer`, `CPU architecture`, `CPU variant`, `CPU part`, `CPU revision` as printed. */
  arm?: { implementer?: string; architecture?: string; variant?: string; part?: string; revision?: string };
  /** lscpu only: `Virtualization` (VT-x, AMD-V), `Hypervisor vendor`, `Virtualization type` (para, full, none). */
  lscpu?: { virtualization?: string; hypervisorVendor?: string; virtualizationType?: string };
  findings: Finding[];
}
