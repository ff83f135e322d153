import { Finding } from '../common';
import { XenCommandline } from '../cmdline';
import { HwCaps } from './hw-caps';

/** One `name : value` field of `xl info`, with the 1-based line it started on and that line as read. */
export interface XlInfoField {
  value: string;
  line: number;
  text: string;
}

/**
 * `xl info` / `xm info` (evidence-spec §1), typed. Every field is also in `fields` with its line, so verdicts
 * can cite `{source: 'xl-info.txt', line, text}`. Absent fields are undefined (grep-partial captures are normal).
 */
export interface XlInfo {
  /** Every field by name (as printed, e.g. `virt_caps`); a repeated name keeps the last. */
  fields: Record<string, XlInfoField>;
  /** dom0's `uname`: these describe dom0, not Xen. */
  host?: string;
  release?: string;
  version?: string;
  machine?: string;
  /** From `machine`: `x86_64`, `aarch64`, `arm`, `i686`, … (`armv7l` → `arm`). */
  arch?: string;
  nrCpus?: number;
  maxCpuId?: number;
  nrNodes?: number;
  coresPerSocket?: number;
  threadsPerCore?: number;
  cpuMhz?: number;
  totalMemoryMiB?: number;
  freeMemoryMiB?: number;
  freeCpus?: number;
  xenMajor?: number;
  xenMinor?: number;
  xenExtra?: string;
  /** `xen_version`, or `major.minor+extra` for `xm info` (which has no `xen_version`). */
  xenVersion?: string;
  /** `xen_caps` tokens (`xen-3.0-x86_64`, `hvm-3.0-x86_64`, …); [] when absent (see `fields.xen_caps`). */
  xenCaps: string[];
  /** `virt_caps` tokens; null when the field is absent, [] when present but empty. */
  virtCaps: string[] | null;
  hwCaps?: HwCaps;
  xenScheduler?: string;
  xenPagesize?: number;
  platformParams?: string;
  xenChangeset?: string;
  /** `xen_commandline`, parsed (present even when empty). */
  xenCommandline?: XenCommandline;
  ccCompiler?: string;
  ccCompileBy?: string;
  ccCompileDomain?: string;
  ccCompileDate?: string;
  buildId?: string;
  findings: Finding[];
}
