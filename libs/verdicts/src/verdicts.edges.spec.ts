import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { VerdictsSchema } from '../../contracts/src/verdicts';
import type { Verdicts } from '../../contracts/src/verdicts';
import { buildHostFacts } from '../../evidence/src/host-facts';
import type { EvidenceBundle } from '../../evidence/src/host-facts';
import { loadHost } from '../../../test/fixtures/hosts/load-host';
import { computeVerdicts } from './compute';

/**
 * The spec's edge cases (evidence-spec §0, §9). Each starts from a real capture in test/fixtures/hosts and
 * edits the lines the edge is about; every edit is SYNTHETIC and uses the exact strings Xen/Linux print
 * (quoted in evidence-spec §1-§3). The unedited captures are covered by verdicts.corpus.spec.ts.
 */
const verdicts = (bundle: EvidenceBundle): Verdicts => VerdictsSchema.parse(computeVerdicts(buildHostFacts(bundle)));
const text = (host: string, file: string): string => loadHost(host)[file] as string;
const field = (xlInfo: string, name: string, value: string): string => {
  const re = new RegExp(`^${name}\\s*:.*$`, 'm');
  expect(re.test(xlInfo)).toBe(true);
  return xlInfo.replace(re, `${name.padEnd(23)}: ${value}`);
};
const QUBES = text('intel-qubes-4.17-xlinfo', 'xl-info.txt');
const QUBES_CMDLINE = 'placeholder dom0_mem=min:2048M dom0_mem=max:4096M ucode=scan smt=off no-real-mode edd=off';
const APU2 = text('amd-apu2-4.8-dmesg', 'xl-dmesg.txt');
const EXCERPT = text('intel-hap-excerpt-dmesg', 'xl-dmesg.txt');
const VTD = text('intel-vtd-snoop-off-dmesg', 'xl-dmesg.txt');

describe('IOMMU: admin vs firmware', () => {
  it('iommu=0 on the Xen command line is disabled-by-admin, not firmware', () => {
    let info = field(QUBES, 'virt_caps', 'pv hvm hap vmtrace gnttab-v1');
    info = field(info, 'xen_commandline', `${QUBES_CMDLINE} iommu=0`);
    const v = verdicts({ 'xl-info.txt': info });
    expect(v.iommu.status).toBe('disabled-by-admin');
    expect(v.iommu.reasons.join(' ')).toContain('iommu=1');
    expect(v.iommu.evidence[0]).toMatchObject({ source: 'xl-info.txt', text: expect.stringContaining('iommu=0') });
    expect(v.interruptRemapping.status).toBe('no');
    expect(v.passthrough.status).toBe('no');
  });

  it('no DMAR/IVRS in a complete boot log listing is disabled-by-firmware (PC Engines apu2, Xen 4.8)', () => {
    const v = verdicts({ 'xl-dmesg.txt': APU2 });
    expect(v.iommu.status).toBe('disabled-by-firmware');
    expect(v.iommu.evidence.map((e) => e.text)).toContain('(XEN) I/O virtualisation disabled');
  });

  it('the same missing table with the command line iommu=0 stays disabled-by-admin', () => {
    const v = verdicts({ 'xl-dmesg.txt': APU2.replace('Command line: dom0_mem=512M', 'Command line: iommu=0 dom0_mem=512M') });
    expect(v.iommu.status).toBe('disabled-by-admin');
  });

  it('AMD southbridge IO-APIC missing from IVRS: disabled-by-firmware, remedy ivrs_ioapic[], IVRS broken', () => {
    const log = APU2.replace('(XEN) ACPI: HPET CFFB5D90', '(XEN) ACPI: IVRS CFFB5E00, 0070 (r2 AMD    AGESA           1 AMD         1)\n(XEN) ACPI: HPET CFFB5D90').replace(
      '(XEN) AMD-Vi: IOMMU not found!',
      '(XEN) AMD-Vi: IVHD Error: no information for IO-APIC 0x4\n(XEN) AMD-Vi: No southbridge IO-APIC found in IVRS table\n(XEN) AMD-Vi: Error initialization',
    );
    const v = verdicts({ 'xl-dmesg.txt': log });
    expect(v.iommu.status).toBe('disabled-by-firmware');
    expect(v.iommu.kind).toBe('amd-vi');
    expect(v.iommu.reasons.join(' ')).toContain('ivrs_ioapic[<IO-APIC id>]=00:14.0');
    expect(v.acpiIvrs.status).toBe('broken');
    expect(v.acpiIvrs.signature).toBe('IVRS');
    expect(v.acpiIvrs.findings.map((f) => f.code)).toEqual(expect.arrayContaining(['XEN_NO_SOUTHBRIDGE_IOAPIC', 'XEN_IVHD_NO_IOAPIC_INFO']));
    expect(v.interruptRemapping.status).toBe('no');
    const withOverride = verdicts({ 'xl-dmesg.txt': log.replace('Command line: dom0_mem=512M', 'Command line: ivrs_ioapic[4]=00:14.0 dom0_mem=512M') });
    expect(withOverride.iommu.reasons.join(' ')).toContain('override on the Xen command line did not fix it');
  });

  it('"Failed to parse ACPI DMAR" (DMAR at address 0 class) is disabled-by-firmware and DMAR broken, even in an excerpt', () => {
    const v = verdicts({ 'xl-dmesg.txt': `${EXCERPT}\n(XEN) Failed to parse ACPI DMAR.  Disabling VT-d.\n(XEN) I/O virtualisation disabled\n` });
    expect(v.iommu.status).toBe('disabled-by-firmware');
    expect(v.iommu.kind).toBe('vt-d');
    expect(v.acpiDmar.status).toBe('broken');
    expect(v.acpiDmar.findings[0]!.code).toBe('XEN_DMAR_PARSE_FAILED');
  });

  it('RMRR outside reserved memory (Xen 4.19+ wording) degrades the DMAR but leaves the IOMMU on', () => {
    const v = verdicts({ 'xl-dmesg.txt': VTD.replace('(XEN) I/O virtualisation enabled', '(XEN) RMRR: [0x9d800000, 0x9fffffff] is not (entirely) in reserved memory\n(XEN) I/O virtualisation enabled') });
    expect(v.iommu.status).toBe('yes');
    expect(v.acpiDmar.status).toBe('degraded');
    expect(v.acpiDmar.findings.map((f) => f.code)).toContain('XEN_RMRR_NOT_RESERVED');
  });

  it('a wrapped ring buffer without IOMMU lines is unknown, never no', () => {
    const v = verdicts({ 'xl-dmesg.txt': EXCERPT });
    expect(v.iommu.status).toBe('unknown');
    expect(v.interruptRemapping.status).toBe('unknown');
  });
});

describe('HVM and HAP', () => {
  it('CONFIG_HVM=n build: PV caps, VMX bit set in hw_caps, no hvm token → no (xen build)', () => {
    let info = field(QUBES, 'xen_caps', 'xen-3.0-x86_64');
    info = field(info, 'virt_caps', 'pv pv_directio gnttab-v1');
    const v = verdicts({ 'xl-info.txt': info });
    expect(v.hvm.status).toBe('no');
    expect(v.hvm.reasons[0]).toMatch(/^xen build/);
    expect(v.hvm.evidence.map((e) => e.text?.split(':')[0]?.trim())).toEqual(['xen_caps', 'hw_caps']);
    expect(v.hap.status).toBe('no');
    expect(v.iommu.status).toBe('yes');
    expect(v.passthrough.reasons[0]).toContain('only to PV guests');
  });

  it('no hvm token and VMX cleared in hw_caps, without a boot log → unknown (cause not known)', () => {
    let info = field(QUBES, 'xen_caps', 'xen-3.0-x86_64');
    info = field(info, 'virt_caps', 'pv gnttab-v1');
    info = field(info, 'hw_caps', 'bfebfbff:77faf3df:2c100800:00000121:0000000f:239c27eb:1840078c:00000100');
    expect(verdicts({ 'xl-info.txt': info }).hvm.status).toBe('unknown');
  });

  it('SVM disabled in the BIOS (complete log) → disabled-by-firmware with the BIOS remedy', () => {
    const log = APU2.replace('(XEN) HVM: SVM enabled', '(XEN) CPU0: AMD SVM Extension is disabled in BIOS.')
      .replace('(XEN) HVM: Hardware Assisted Paging (HAP) detected\n', '')
      .replace(/\(XEN\) HVM: HAP page sizes.*\n/, '');
    const v = verdicts({ 'xl-dmesg.txt': log });
    expect(v.hvm.status).toBe('disabled-by-firmware');
    expect(v.hvm.vendor).toBe('amd');
    expect(v.hvm.reasons[0]).toContain('enable SVM Mode (AMD-V) in the BIOS setup');
    expect(v.hap.status).toBe('no');
  });

  it('VMX disabled by the BIOS wins over an absent xl info hvm token', () => {
    const info = field(field(QUBES, 'xen_caps', 'xen-3.0-x86_64'), 'virt_caps', 'pv hvm_directio pv_directio');
    const v = verdicts({ 'xl-info.txt': field(info, 'virt_caps', 'pv pv_directio'), 'xl-dmesg.txt': `${EXCERPT}\n(XEN) CPU0: VMX disabled by BIOS.\n` });
    expect(v.hvm.status).toBe('disabled-by-firmware');
    expect(v.hvm.reasons[0]).toContain('Intel Virtualization Technology (VT-x)');
  });

  it('hap=0: "detected but disabled" in the log, or hap=0 on the command line, is disabled-by-admin', () => {
    const log = EXCERPT.replace('(XEN) HVM: Hardware Assisted Paging (HAP) detected', '(XEN) HVM: Hardware Assisted Paging (HAP) detected but disabled');
    expect(verdicts({ 'xl-dmesg.txt': log }).hap.status).toBe('disabled-by-admin');
    const info = field(field(QUBES, 'virt_caps', 'pv hvm hvm_directio pv_directio vmtrace gnttab-v1'), 'xen_commandline', `${QUBES_CMDLINE} hap=0`);
    const v = verdicts({ 'xl-info.txt': info });
    expect(v.hap.status).toBe('disabled-by-admin');
    expect(v.hap.reasons[0]).toContain('hap=0');
  });

  it('HAP page sizes keep [disabled] markers', () => {
    const log = EXCERPT.replace('HAP page sizes: 4kB, 2MB, 1GB', 'HAP page sizes: 4kB, 2MB, 1GB [disabled]');
    const v = verdicts({ 'xl-dmesg.txt': log });
    expect(v.hap.pageSizes).toEqual(['4kB', '2MB', '1GB [disabled]']);
    expect(v.hap.reasons.join(' ')).toContain('superpage sizes are disabled');
  });

  it('xl info wins over the boot log: virt_caps hvm is yes even if the excerpt shows nothing', () => {
    expect(verdicts({ 'xl-info.txt': QUBES, 'xl-dmesg.txt': '(XEN) Brought up 24 CPUs\n' }).hvm.status).toBe('yes');
  });

  it('Arm64 xl info: HVM yes without an x86 vendor; no VT-d/AMD-Vi advice', () => {
    const v = verdicts(loadHost('arm64-raspi4'));
    expect(v.hvm.vendor).toBeUndefined();
    expect(v.iommu.kind).toBeUndefined();
    expect(v.iommu.reasons.join(' ')).not.toContain('VT-d');
  });
});

describe('PCI: SR-IOV and passthrough', () => {
  const CX4 = text('connectx4lx-lspci', 'lspci-vv.txt');

  it('lspci without root is unknown, never none', () => {
    const header = CX4.split('\n')[0]!;
    const v = verdicts({ 'lspci-vv.txt': `${header}\n\tSubsystem: Mellanox Technologies Device 0001\n\tCapabilities: <access denied>\n\tKernel driver in use: mlx5_core\n` });
    expect(v.sriov.status).toBe('unknown');
    expect(v.sriov.reasons[0]).toContain('as root');
    expect(v.passthrough.devices?.[0]?.status).toBe('unknown');
  });

  it('Total VFs 0 with Initial VFs > 0 means SR-IOV is disabled in the BIOS', () => {
    const v = verdicts({ 'lspci-vv.txt': CX4.replace('Initial VFs: 8, Total VFs: 8,', 'Initial VFs: 8, Total VFs: 0,') });
    expect(v.sriov.status).toBe('none');
    expect(v.sriov.reasons.join(' ')).toContain('SR-IOV is disabled in the BIOS');
  });

  it('IOMMU yes makes an SR-IOV PF ready; sysfs numvfs overrides lspci (combination of two hosts: synthetic)', () => {
    const v = verdicts({ 'xl-info.txt': QUBES, 'lspci-vv.txt': CX4, 'sysfs/pci/0000:01:00.0/sriov_totalvfs': '8\n', 'sysfs/pci/0000:01:00.0/sriov_numvfs': '4\n' });
    expect(v.sriov.status).toBe('ready');
    expect(v.sriov.devices[0]).toMatchObject({ bdf: '0000:01:00.0', totalVfs: 8, numVfs: 4, vfDeviceId: '1016', flr: true });
  });

  it('a device without FLR and without a reset method is not passthrough-ready', () => {
    const v = verdicts({ 'xl-info.txt': QUBES, 'xl-dmesg.txt': VTD, 'lspci-vv.txt': text('amd-gpu-flr-minus', 'lspci-vv.txt') });
    expect(v.passthrough.status).toBe('yes');
    const gpu = v.passthrough.devices?.find((d) => d.bdf === '0000:01:00.0');
    expect(gpu?.status).toBe('no');
    expect(gpu?.reasons[0]).toContain('FLReset-');
    const withReset = verdicts({ 'xl-info.txt': QUBES, 'xl-dmesg.txt': VTD, 'lspci-vv.txt': text('amd-gpu-flr-minus', 'lspci-vv.txt'), 'sysfs/pci/0000:01:00.0/reset_method': 'bus\n' });
    expect(withReset.passthrough.devices?.find((d) => d.bdf === '0000:01:00.0')?.status).not.toBe('no');
  });
});

describe('totality', () => {
  it('any evidence, however broken, gives schema-valid verdicts', () => {
    const names = ['xl-info.txt', 'xl-dmesg.txt', 'cpuinfo.txt', 'lspci-vv.txt', 'dmesg.txt', 'acpi/DMAR', 'acpi/IVRS', 'xen-capabilities.txt'];
    const lines = fc.constantFrom(
      'virt_caps              : hvm hvm_directio',
      'xen_caps               : xen-3.0-x86_64',
      '(XEN) Xen version 4.17.2',
      '(XEN) I/O virtualisation disabled',
      '(XEN) No southbridge IO-APIC found in IVRS table',
      'Initial VFs: 8, Total VFs: 0, Number of VFs: 0',
      '01:00.0 Ethernet controller: Mellanox Technologies MT27710 Family [ConnectX-4 Lx]',
      '\tCapabilities: <access denied>',
    );
    const file = fc.oneof(fc.array(fc.oneof(lines, fc.string({ maxLength: 80 })), { maxLength: 30 }).map((l) => l.join('\n')), fc.uint8Array({ maxLength: 120 }));
    fc.assert(
      fc.property(fc.dictionary(fc.constantFrom(...names), file), (bundle) => {
        VerdictsSchema.parse(computeVerdicts(buildHostFacts(bundle as EvidenceBundle)));
      }),
      { numRuns: 150 },
    );
  });

  it('hundreds of SR-IOV PFs stay within the wire-format bounds', () => {
    const pf = (loadHost('connectx4lx-lspci')['lspci-vv.txt'] as string).split('\n');
    const many = Array.from({ length: 120 }, (_, i) => [`0000:${(i + 1).toString(16).padStart(2, '0')}:00.0${pf[0]!.slice('0000:01:00.0'.length)}`, ...pf.slice(1)].join('\n')).join('\n\n');
    const v = verdicts({ 'xl-info.txt': QUBES, 'lspci-vv.txt': many });
    expect(v.sriov.status).toBe('ready');
    expect(v.sriov.devices).toHaveLength(120);
    expect(v.sriov.reasons.length).toBeLessThanOrEqual(64);
  });
});
