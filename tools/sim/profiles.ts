import { join } from 'node:path';
import { readEvidenceDir } from '../../apps/agent/src/collect/evidence-dir';
import type { EvidenceBundle } from '../../apps/agent/src/collect/types';

/**
 * Host profiles for the simulator, built from the real captures in `test/fixtures/evidence-dirs`
 * (each assembled from `../shared/corpus`, sources in its SOURCES.txt). A profile fixes the board; the
 * simulator varies the BIOS version per host and applies scenario variants (a BIOS that disables VT-d,
 * SR-IOV VFs enabled) as edits of the same real files.
 */
export interface Board {
  biosVendor: string;
  boardVendor: string;
  boardName: string;
  sysVendor: string;
  productName: string;
}

export interface Profile {
  name: string;
  weight: number;
  board: Board;
  /** BIOS versions seen across the fleet for this board, with dates, oldest first. */
  biosVersions: readonly (readonly [version: string, date: string])[];
  bundle: EvidenceBundle;
  /** The PCI function whose SR-IOV VFs a scenario can enable, when the profile has one. */
  sriovPf?: string;
}

export const PROFILE_SPECS: readonly Omit<Profile, 'bundle'>[] = [
  {
    name: 'intel-vtd-sriov',
    weight: 55,
    board: { biosVendor: 'American Megatrends Inc.', boardVendor: 'Supermicro', boardName: 'X10DAi', sysVendor: 'Supermicro', productName: 'SYS-7048A-T' },
    biosVersions: [['3.1', '06/14/2018'], ['3.2', '11/22/2019']],
    sriovPf: '0000:01:00.0',
  },
  {
    name: 'amd-broken-ivrs',
    weight: 20,
    board: { biosVendor: 'American Megatrends Inc.', boardVendor: 'Gigabyte Technology Co., Ltd.', boardName: 'F2A78M-HD2', sysVendor: 'Gigabyte Technology Co., Ltd.', productName: 'To be filled by O.E.M.' },
    biosVersions: [['F5', '04/08/2014'], ['F6', '12/03/2014']],
  },
  {
    name: 'amd-apu2-no-iommu',
    weight: 15,
    board: { biosVendor: 'coreboot', boardVendor: 'PC Engines', boardName: 'apu2', sysVendor: 'PC Engines', productName: 'apu2' },
    biosVersions: [['v4.8.0.3', '08/06/2018'], ['v4.9.0.1', '12/10/2018']],
  },
  {
    name: 'intel-laptop-no-iommu-partial',
    weight: 10,
    board: { biosVendor: 'LENOVO', boardVendor: 'LENOVO', boardName: '20L50000IX', sysVendor: 'LENOVO', productName: 'ThinkPad T480' },
    biosVersions: [['N24ET56W (1.31 )', '07/29/2020']],
  },
];

/** Loads every profile's evidence directory (agent code: `readEvidenceDir`). */
export async function loadProfiles(fixturesDir: string): Promise<Profile[]> {
  const out: Profile[] = [];
  for (const spec of PROFILE_SPECS) {
    const { bundle } = await readEvidenceDir(join(fixturesDir, spec.name));
    for (const k of Object.keys(bundle)) if (k.endsWith('.source.txt') || k === 'SOURCES.txt') delete bundle[k];
    out.push({ ...spec, bundle });
  }
  return out;
}

/** The host's DMI as sysfs files, so each simulated host reports its own BIOS version. */
export function withFirmware(bundle: EvidenceBundle, board: Board, bios: readonly [string, string]): EvidenceBundle {
  return {
    ...bundle,
    'dmi/bios_vendor': `${board.biosVendor}\n`,
    'dmi/bios_version': `${bios[0]}\n`,
    'dmi/bios_date': `${bios[1]}\n`,
    'dmi/board_vendor': `${board.boardVendor}\n`,
    'dmi/board_name': `${board.boardName}\n`,
    'dmi/sys_vendor': `${board.sysVendor}\n`,
    'dmi/product_name': `${board.productName}\n`,
  };
}

/**
 * What a BIOS update that switches VT-d off looks like from dom0 (evidence-spec §9 "Alert"): Xen finds no
 * DMAR table (the BIOS toggle removes it), `virt_caps` loses the directio tokens, and `xl dmesg` says
 * `I/O virtualisation disabled` instead of the VT-d lines.
 */
export function withVtdDisabledByBios(bundle: EvidenceBundle): EvidenceBundle {
  const out: EvidenceBundle = { ...bundle };
  for (const k of ['acpi/RMAD', 'acpi/DMAR', 'acpi/XMAR']) delete out[k];
  const info = out['xl-info.txt'];
  if (typeof info === 'string') {
    out['xl-info.txt'] = info.replace(/^(virt_caps\s*:.*)$/m, (line) =>
      line.replace(/ (hvm_directio|pv_directio|iommu_hap_pt_share)\b/g, ''),
    );
  }
  const dmesg = out['xl-dmesg.txt'];
  if (typeof dmesg === 'string') {
    const kept = dmesg.split('\n').filter((l) => !/Intel VT-d|I\/O virtualisation|Interrupt remapping|Dom0 mode/.test(l));
    kept.push('(XEN) I/O virtualisation disabled');
    out['xl-dmesg.txt'] = kept.join('\n');
  }
  return out;
}

/** SR-IOV VFs enabled on a PF: the sysfs counters the agent reads. */
export function withVfsEnabled(bundle: EvidenceBundle, pf: string, numVfs: number, totalVfs: number): EvidenceBundle {
  return {
    ...bundle,
    [`sysfs/pci/${pf}/sriov_totalvfs`]: `${totalVfs}\n`,
    [`sysfs/pci/${pf}/sriov_numvfs`]: `${numVfs}\n`,
  };
}
