import { CmdlineToken, normalizeOptionName, tokenizeCmdline } from './tokenize';

/**
 * The Linux kernel command line (`/proc/cmdline`, evidence file `cmdline.txt`), tokenized as the kernel's
 * `next_arg()` does (whitespace, double quotes), with the IOMMU and Xen options virtcap cares about picked out.
 */
export interface ProcCmdline {
  tokens: CmdlineToken[];
  /** Option name (normalized: `-` → `_`, lower case, as the kernel's `parameq` compares) → value; `null` for a bare flag. Last wins. */
  options: Record<string, string | null>;
  /** Words after a lone `--` (passed to init, not kernel options). */
  initArgs: string[];
  /** `BOOT_IMAGE=` (GRUB), when present. */
  bootImage?: string;
  /** `intel_iommu=` items (`on`, `off`, `igfx_off`, `sm_on`, …). */
  intelIommu?: string[];
  /** `amd_iommu=` items (`off`, `on`, `fullflush`, `force_isolation`, `pgtbl_v2`, …). */
  amdIommu?: string[];
  /** `iommu=` items (`pt`, `nopt`, `off`, `force`, `soft`, …). */
  iommu?: string[];
  /** `intremap=` items (`on`, `off`, `nosid`, `no_x2apic_optout`, `nopost`). */
  intremap?: string[];
  /** BDFs hidden from dom0 by `xen-pciback.hide=(0000:03:00.0)(04:00.1)`, as written inside the parentheses. */
  xenPcibackHide: string[];
}

/** Parse `/proc/cmdline`. Never throws; unknown options are kept in `options`. */
export function parseProcCmdline(text: string): ProcCmdline {
  const { tokens, afterDoubleDash } = tokenizeCmdline(typeof text === 'string' ? text : '');
  const options = Object.create(null) as Record<string, string | null>;
  const result: ProcCmdline = { tokens, options, initArgs: afterDoubleDash, xenPcibackHide: [] };
  const list = (v: string | null): string[] => (v === null ? [] : v.split(',').filter((x) => x !== ''));
  for (const t of tokens) {
    const norm = normalizeOptionName(t.name);
    if (norm === '') continue;
    options[norm] = t.value;
    if (norm === 'boot_image' && t.value !== null) result.bootImage = t.value;
    else if (norm === 'intel_iommu') result.intelIommu = list(t.value);
    else if (norm === 'amd_iommu') result.amdIommu = list(t.value);
    else if (norm === 'iommu') result.iommu = list(t.value);
    else if (norm === 'intremap') result.intremap = list(t.value);
    else if ((norm === 'xen_pciback.hide' || norm === 'pciback.hide') && t.value !== null) {
      for (const m of t.value.matchAll(/\(([^()]{1,64})\)/g)) result.xenPcibackHide.push(m[1]);
    }
  }
  return result;
}
