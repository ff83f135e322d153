import type { Finding } from '../common';
import { normalizeBdf } from '../lspci/lspci-header';

/** What `/sys/bus/pci/devices/<BDF>/` says about SR-IOV and reset for one function. */
export interface SysfsPciDevice {
  /** `sriov_totalvfs`: VFs the PF can provide (0 or absent: no SR-IOV, or disabled by the BIOS). */
  totalVfs?: number;
  /** `sriov_numvfs`: VFs currently enabled. */
  numVfs?: number;
  /** `sriov_offset`, `sriov_stride`: routing-ID offset and stride of the VFs. */
  vfOffset?: number;
  vfStride?: number;
  /** `sriov_vf_device`: VF device id, hex without `0x`, lower case (e.g. `1016`). */
  vfDeviceId?: string;
  /** `reset_method` (Linux 5.15+): subset of `device_specific acpi flr af_flr pm bus cxl_bus`, in kernel order. */
  resetMethods?: string[];
  /** A `reset` file exists: the kernel has at least one working reset method for the function. */
  hasResetFile?: boolean;
}

/** Result of {@link parseSysfsPci}: facts per domain-qualified BDF. */
export interface SysfsPciResult {
  devices: Record<string, SysfsPciDevice>;
  findings: Finding[];
}

const intFile = (v: string): number | undefined => (/^\s*\d+\s*$/.test(v) ? parseInt(v, 10) : undefined);

/**
 * Read captured sysfs PCI files. Keys are `<BDF>/<file>`, optionally prefixed (`sysfs/pci/0000:3b:00.0/reset_method`);
 * values are file contents. Known files: `sriov_totalvfs`, `sriov_numvfs`, `sriov_offset`, `sriov_stride` (decimal),
 * `sriov_vf_device` (hex, e.g. `1016`), `reset_method` (space-separated), `reset` (write-only; presence is the fact).
 * Unknown files are ignored; unreadable values become findings.
 */
export function parseSysfsPci(files: Record<string, string>): SysfsPciResult {
  const devices: Record<string, SysfsPciDevice> = {};
  const findings: Finding[] = [];
  for (const [key, raw] of Object.entries(files ?? {})) {
    const parts = key.split('/').filter((p) => p !== '');
    if (parts.length < 2) continue;
    const file = parts[parts.length - 1];
    const bdf = normalizeBdf(parts[parts.length - 2]);
    if (!bdf) continue;
    const value = typeof raw === 'string' ? raw : '';
    const d = (devices[bdf] ??= {});
    const bad = () =>
      findings.push({
        code: 'SYSFS_PCI_UNREADABLE',
        severity: 'warning',
        message: `${bdf}/${file} holds ${JSON.stringify(value.slice(0, 40))}, not the expected value.`,
        evidence: [{ source: `sysfs/pci/${bdf}/${file}`, text: value.slice(0, 200) }],
      });
    switch (file) {
      case 'sriov_totalvfs':
      case 'sriov_numvfs':
      case 'sriov_offset':
      case 'sriov_stride': {
        const n = intFile(value);
        if (n === undefined) bad();
        else if (file === 'sriov_totalvfs') d.totalVfs = n;
        else if (file === 'sriov_numvfs') d.numVfs = n;
        else if (file === 'sriov_offset') d.vfOffset = n;
        else d.vfStride = n;
        break;
      }
      case 'sriov_vf_device': {
        const m = /^\s*(?:0x)?([0-9a-fA-F]{1,4})\s*$/.exec(value);
        if (m) d.vfDeviceId = m[1].toLowerCase().padStart(4, '0');
        else bad();
        break;
      }
      case 'reset_method':
        d.resetMethods = value.split(/\s+/).filter((s) => s !== '');
        break;
      case 'reset':
        d.hasResetFile = true;
        break;
      default:
        break;
    }
  }
  return { devices, findings };
}
