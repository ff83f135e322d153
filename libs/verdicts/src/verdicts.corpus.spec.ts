import { describe, expect, it } from '@jest/globals';
import { readdirSync } from 'node:fs';
import { VerdictsSchema } from '../../contracts/src/verdicts';
import type { Verdicts } from '../../contracts/src/verdicts';
import { buildHostFacts } from '../../evidence/src/host-facts';
import { HOSTS_DIR, loadHost } from '../../../test/fixtures/hosts/load-host';
import { computeVerdicts } from './compute';

type Expect = Partial<{ [K in keyof Verdicts]: string }> & { reason?: [keyof Verdicts, string]; kind?: string; vendor?: string };

/**
 * Every evidence directory under test/fixtures/hosts (assembled from the shared corpus, each file with its
 * .source.txt), with the verdicts the spec (§9) gives for it. "u" = unknown.
 */
const CASES: Record<string, Expect> = {
  // xl info alone (evidence priority 1)
  'intel-qubes-4.17-xlinfo': { hvm: 'yes', hap: 'yes', iommu: 'yes', interruptRemapping: 'unknown', passthrough: 'risky', vendor: 'intel', kind: 'vt-d', reason: ['passthrough', 'Interrupt remapping is unknown'] },
  'amd-ryzen-4.13-xlinfo': { hvm: 'yes', hap: 'yes', iommu: 'yes', passthrough: 'risky', vendor: 'amd', kind: 'amd-vi' },
  // Xen 4.2 prints no `hap` token: HAP is unknown, not no.
  'intel-4.2-xminfo': { hvm: 'yes', hap: 'unknown', iommu: 'yes', vendor: 'intel', reason: ['hap', 'before 4.13'] },
  // virt_caps without hvm_directio: Xen runs without an IOMMU; no boot log, so the cause is not known to be firmware.
  'intel-4.19-grep-partial': { hvm: 'yes', hap: 'yes', iommu: 'no', interruptRemapping: 'no', passthrough: 'no', reason: ['iommu', 'add iommu=1 to the Xen command line'] },
  'intel-4.16-nbsp-mangled': { hvm: 'yes', hap: 'yes', iommu: 'yes' },
  // xl info + a timestamped excerpt of the same host's boot log (same mail thread)
  'amd-4.14-xlinfo-dmesg': { hvm: 'yes', hap: 'yes', iommu: 'yes', interruptRemapping: 'unknown', vendor: 'amd', reason: ['interruptRemapping', 'ring buffer has wrapped'] },
  // xl dmesg alone
  'amd-apu2-4.8-dmesg': {
    hvm: 'yes', hap: 'yes', iommu: 'disabled-by-firmware', interruptRemapping: 'no', passthrough: 'no', acpiDmar: 'absent', acpiIvrs: 'absent', vendor: 'amd',
    reason: ['iommu', 'no DMAR or IVRS table'],
  },
  'intel-vtd-snoop-off-dmesg': { hvm: 'yes', hap: 'yes', iommu: 'yes', interruptRemapping: 'yes', passthrough: 'yes', acpiDmar: 'ok', kind: 'vt-d', reason: ['interruptRemapping', 'snoop control not enabled'] },
  'amd-32cpu-amdvi-dmesg': { hvm: 'yes', hap: 'yes', iommu: 'yes', interruptRemapping: 'yes', passthrough: 'yes', acpiIvrs: 'ok', kind: 'amd-vi', vendor: 'amd' },
  'apu2-iommu-enabled-dmesg': { iommu: 'yes', kind: 'amd-vi', hvm: 'unknown', interruptRemapping: 'unknown' },
  // a wrapped ring buffer: what is missing proves nothing
  'intel-hap-excerpt-dmesg': { hvm: 'yes', hap: 'yes', iommu: 'unknown', interruptRemapping: 'unknown', passthrough: 'unknown', reason: ['iommu', 'ring buffer has wrapped'] },
  // Arm64: xl info and boot log of the same Raspberry Pi 4; no SMMU in use
  'arm64-raspi4': { hvm: 'yes', hap: 'yes', iommu: 'no', passthrough: 'no', acpiDmar: 'absent', acpiIvrs: 'absent', reason: ['iommu', 'SMMU'] },
  'arm64-zynqmp-xlinfo': { hvm: 'yes', hap: 'yes', iommu: 'yes', passthrough: 'yes', acpiDmar: 'absent', reason: ['passthrough', 'GIC ITS'] },
  // cpuinfo: a PV dom0 hides vmx; bare metal shows it
  // This real XenServer dom0 capture lists vmx next to `hypervisor` (old dom0 kernels passed VMX through):
  // still not evidence of what Xen enabled.
  'xenserver-dom0-cpuinfo': { hvm: 'unknown', iommu: 'unknown', reason: ['hvm', 'not evidence'] },
  'phenom2-baremetal-cpuinfo': { hvm: 'yes', vendor: 'amd', reason: ['hvm', 'bare-metal cpuinfo'] },
  // lspci with SR-IOV; no Xen evidence, so not `ready`
  'connectx4lx-lspci': { sriov: 'capable', passthrough: 'unknown', reason: ['sriov', 'supports up to 127'] },
  'samsung-nvme-sriov-guest': { sriov: 'capable', reason: ['sriov', '1 held by guests'] },
  'amd-gpu-flr-minus': { sriov: 'none', passthrough: 'unknown' },
  // DMAR / IVRS tables (iasl text → bytes)
  'ideapad-flex15-dmar-broken': { acpiDmar: 'broken', acpiIvrs: 'absent', iommu: 'unknown' },
  'dell-xps8940-dmar': { acpiDmar: 'ok', acpiIvrs: 'absent' },
  'gigabyte-f2a78m-ivrs-broken': { acpiIvrs: 'broken', acpiDmar: 'absent' },
  'supermicro-h8dgu-ivrs': { acpiIvrs: 'ok' },
  // Linux dmesg on bare metal with [Firmware Bug] lines
  'dell-xps13-9310-dmesg': { acpiDmar: 'broken', acpiIvrs: 'unknown', reason: ['acpiDmar', 'Update the BIOS'] },
  't450s-rmrr-dmesg': { acpiDmar: 'broken' },
  'amd-sb-ioapic-dmesg': { acpiIvrs: 'broken', acpiDmar: 'unknown', reason: ['acpiIvrs', 'ivrs_ioapic'] },
  // DMI only
  'poweredge-r730-dmidecode': { hvm: 'unknown', iommu: 'unknown', acpiDmar: 'unknown' },
};

describe('computeVerdicts over the corpus evidence directories', () => {
  it('has an expectation for every fixture directory', () => {
    const dirs = readdirSync(HOSTS_DIR, { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => d.name).sort();
    expect(dirs).toEqual(Object.keys(CASES).sort());
  });

  it.each(Object.entries(CASES))('%s', (name, want) => {
    const facts = buildHostFacts(loadHost(name));
    const v = VerdictsSchema.parse(computeVerdicts(facts));
    for (const key of Object.keys(v) as (keyof Verdicts)[]) {
      if (want[key] !== undefined) expect(`${key}=${v[key].status}`).toBe(`${key}=${want[key]}`);
    }
    if (want.kind) expect(v.iommu.kind).toBe(want.kind);
    if (want.vendor) expect(v.hvm.vendor).toBe(want.vendor);
    if (want.reason) {
      const [key, text] = want.reason;
      expect(v[key].reasons.join('\n')).toContain(text);
    }
    for (const key of Object.keys(v) as (keyof Verdicts)[]) expect(v[key].reasons.length).toBeGreaterThan(0);
  });
});
