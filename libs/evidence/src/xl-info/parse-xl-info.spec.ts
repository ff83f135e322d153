import { describe, expect, it } from '@jest/globals';
import { readdirSync, readFileSync } from 'fs';
import { join } from 'path';
import { parseXlInfo } from './parse-xl-info';

const DIR = join(process.cwd(), 'test/fixtures/xl-info');
const read = (name: string): string => readFileSync(join(DIR, name), 'utf8');
const HVM = ['hvm-3.0-x86_32', 'hvm-3.0-x86_32p', 'hvm-3.0-x86_64'];

interface Row {
  file: string;
  xenVersion: string;
  xenCaps: string[];
  virtCaps: string[] | null;
  bits: { layout: 'xen-4.7+' | 'xen-4.6-'; vmx: boolean; svm: boolean; lm: boolean };
  nrCpus?: number;
  totalMemoryMiB?: number;
  scheduler?: string;
  cmdlineTokens?: number;
  findings: string[];
}

// One row per corpus file; facts read off each file and its .source.txt.
const ROWS: Row[] = [
  { file: 'xen4.13.0rc_fedora31_amd_ryzen24.xl_info.txt', xenVersion: '4.13.0-rc', xenCaps: ['xen-3.0-x86_64', 'xen-3.0-x86_32p', ...HVM], virtCaps: ['pv', 'hvm', 'hvm_directio', 'pv_directio', 'hap', 'shadow'], bits: { layout: 'xen-4.7+', vmx: false, svm: true, lm: true }, nrCpus: 24, totalMemoryMiB: 65485, scheduler: 'credit2', findings: ['XL_INFO_FIELDS_MISSING'] },
  { file: 'xen4.14.0_fedora32_dom0_amd8core_noshadow.xl_info.txt', xenVersion: '4.14.0', xenCaps: ['xen-3.0-x86_64', ...HVM], virtCaps: ['pv', 'hvm', 'hvm_directio', 'pv_directio', 'hap'], bits: { layout: 'xen-4.7+', vmx: false, svm: true, lm: true }, nrCpus: 8, totalMemoryMiB: 30439, scheduler: 'credit2', findings: ['XL_INFO_FIELDS_MISSING'] },
  { file: 'xen4.14.0rc_debian_intel_immortal.xl_info.txt', xenVersion: '4.14.0-rc', xenCaps: ['xen-3.0-x86_64', 'xen-3.0-x86_32p', ...HVM], virtCaps: ['pv', 'hvm', 'hvm_directio', 'pv_directio', 'hap', 'shadow'], bits: { layout: 'xen-4.7+', vmx: true, svm: false, lm: true }, nrCpus: 8, totalMemoryMiB: 6141, scheduler: 'credit2', cmdlineTokens: 9, findings: [] },
  { file: 'xen4.15.3pre_ubuntu_amd.xl_info.txt', xenVersion: '4.15.3-pre-atg08', xenCaps: ['xen-3.0-x86_64', ...HVM], virtCaps: ['pv', 'hvm', 'hvm_directio', 'pv_directio', 'hap', 'shadow'], bits: { layout: 'xen-4.7+', vmx: false, svm: true, lm: true }, nrCpus: 16, totalMemoryMiB: 15719, scheduler: 'credit2', cmdlineTokens: 4, findings: [] },
  { file: 'xen4.16.0_amd_4cpu.xl_info.txt', xenVersion: '4.16.0', xenCaps: ['xen-3.0-x86_64', ...HVM], virtCaps: ['pv', 'hvm', 'hvm_directio', 'pv_directio', 'hap', 'shadow', 'gnttab-v1', 'gnttab-v2'], bits: { layout: 'xen-4.7+', vmx: false, svm: true, lm: true }, nrCpus: 4, totalMemoryMiB: 14234, scheduler: 'credit2', cmdlineTokens: 3, findings: [] },
  // NBSP padding, hw_caps and virt_caps wrapped onto the next line, no xen_caps in the excerpt.
  { file: 'xen4.16.0_intel_nbsp_mangled.xl_info.txt', xenVersion: '4.16.0', xenCaps: [], virtCaps: ['pv', 'hvm', 'hvm_directio', 'pv_directio', 'hap', 'shadow', 'iommu_hap_pt_share', 'gnttab-v1', 'gnttab-v2'], bits: { layout: 'xen-4.7+', vmx: true, svm: false, lm: true }, nrCpus: 12, totalMemoryMiB: 65501, findings: ['XL_INFO_FIELDS_MISSING'] },
  { file: 'xen4.17.2_qubes_intel_hybrid24.xl_info.txt', xenVersion: '4.17.2', xenCaps: ['xen-3.0-x86_64', ...HVM], virtCaps: ['pv', 'hvm', 'hvm_directio', 'pv_directio', 'hap', 'iommu_hap_pt_share', 'vmtrace', 'gnttab-v1'], bits: { layout: 'xen-4.7+', vmx: true, svm: false, lm: true }, nrCpus: 24, totalMemoryMiB: 65373, scheduler: 'credit', cmdlineTokens: 13, findings: [] },
  { file: 'xen4.19.1_alpine_intel12.xl_info.txt', xenVersion: '4.19.1', xenCaps: ['xen-3.0-x86_64', ...HVM], virtCaps: ['pv', 'hvm', 'hvm_directio', 'pv_directio', 'hap', 'shadow', 'iommu_hap_pt_share', 'vmtrace', 'gnttab-v1', 'gnttab-v2'], bits: { layout: 'xen-4.7+', vmx: true, svm: false, lm: true }, nrCpus: 12, totalMemoryMiB: 7933, scheduler: 'credit2', cmdlineTokens: 6, findings: [] },
  // egrep-filtered and mail-wrapped: xen_caps and hw_caps continue on the next line; no hvm_directio.
  { file: 'xen4.19.1_debian_intel_grep_partial.xl_info.txt', xenVersion: '4.19.1', xenCaps: ['xen-3.0-x86_64', ...HVM], virtCaps: ['pv', 'hvm', 'hap', 'shadow', 'gnttab-v1', 'gnttab-v2'], bits: { layout: 'xen-4.7+', vmx: true, svm: false, lm: true }, cmdlineTokens: 1, findings: [] },
  { file: 'xen4.2.1_centos6_intel.xm_info.txt', xenVersion: '4.2.1', xenCaps: ['xen-3.0-x86_64', 'xen-3.0-x86_32p', ...HVM], virtCaps: ['hvm', 'hvm_directio'], bits: { layout: 'xen-4.6-', vmx: true, svm: false, lm: true }, nrCpus: 8, totalMemoryMiB: 32662, scheduler: 'credit', cmdlineTokens: 4, findings: [] },
  { file: 'xen4.20.1_opensuse_amd24.xl_info.txt', xenVersion: '4.20.1_02-1', xenCaps: ['xen-3.0-x86_64', ...HVM], virtCaps: ['pv', 'hvm', 'hvm_directio', 'pv_directio', 'hap', 'shadow', 'gnttab-v1', 'gnttab-v2'], bits: { layout: 'xen-4.7+', vmx: false, svm: true, lm: true }, nrCpus: 24, totalMemoryMiB: 32677, scheduler: 'credit2', cmdlineTokens: 0, findings: [] },
  { file: 'xen4.4.4OVM_oracle_exadata_xeon104.xm_info.txt', xenVersion: '4.4.4OVM', xenCaps: ['xen-3.0-x86_64', 'xen-3.0-x86_32p', ...HVM], virtCaps: ['hvm', 'hvm_directio'], bits: { layout: 'xen-4.6-', vmx: true, svm: false, lm: true }, nrCpus: 104, totalMemoryMiB: 785066, scheduler: 'credit', cmdlineTokens: 11, findings: [] },
];

describe(parseXlInfo.name, () => {
  it('has a table row and a source note for every fixture', () => {
    const files = readdirSync(DIR).filter((f) => !f.endsWith('.source.txt'));
    expect(files.sort()).toEqual(ROWS.map((r) => r.file).sort());
    for (const f of files) expect(readdirSync(DIR)).toContain(`${f}.source.txt`);
  });

  it.each(ROWS)('$file', (row) => {
    const info = parseXlInfo(read(row.file));
    expect(info.xenVersion).toBe(row.xenVersion);
    expect(info.xenCaps).toEqual(row.xenCaps);
    expect(info.virtCaps).toEqual(row.virtCaps);
    expect(info.hwCaps).toMatchObject(row.bits);
    expect(info.hwCaps?.words).toHaveLength(8);
    expect(info.nrCpus).toBe(row.nrCpus);
    expect(info.totalMemoryMiB).toBe(row.totalMemoryMiB);
    expect(info.xenScheduler).toBe(row.scheduler);
    expect(info.xenCommandline?.tokens.length).toBe(row.cmdlineTokens);
    expect(info.findings.map((f) => f.code)).toEqual(row.findings);
    if (info.machine !== undefined) expect(info.arch).toBe('x86_64');
  });

  it('keeps the line of each field for citations', () => {
    const info = parseXlInfo(read('xen4.17.2_qubes_intel_hybrid24.xl_info.txt'));
    expect(info.fields.virt_caps).toEqual({
      value: 'pv hvm hvm_directio pv_directio hap iommu_hap_pt_share vmtrace gnttab-v1',
      line: 13,
      text: 'virt_caps              : pv hvm hvm_directio pv_directio hap iommu_hap_pt_share vmtrace gnttab-v1',
    });
    expect(info.fields.xen_commandline.line).toBe(31);
    expect(info.xenCommandline?.options.sched_gran).toBe('core');
    expect(info.ccCompileDomain).toBe('[unknown]');
  });

  it('joins wrapped values and ignores the shell prompt', () => {
    const info = parseXlInfo(read('xen4.19.1_debian_intel_grep_partial.xl_info.txt'));
    expect(info.version).toBe('#1 SMP PREEMPT_DYNAMIC Debian 6.12.6-1 (2024-12-21)');
    expect(info.hwCaps?.raw).toBe('bfebfbff:17bae3bf:28100800:00000001:00000001:00000000:00000000:00000100');
    expect(info.fields.hw_caps.line).toBe(5);
    expect(Object.keys(info.fields)).toEqual(['release', 'version', 'hw_caps', 'virt_caps', 'xen_version', 'xen_caps', 'xen_commandline']);
    expect(info.xenMajor).toBe(4);
    expect(info.xenMinor).toBe(19);
  });

  it('reads the NBSP-padded capture field by field', () => {
    const info = parseXlInfo(read('xen4.16.0_intel_nbsp_mangled.xl_info.txt'));
    expect(info.machine).toBe('x86_64');
    expect(info.cpuMhz).toBe(3500.033);
    expect(info.fields.hw_caps.line).toBe(8);
    expect(info.findings[0].message).toContain('xen_caps');
  });

  it('tolerates collapsed padding, CRLF and an empty virt_caps', () => {
    const info = parseXlInfo('xen_major: 4\r\nxen_minor :17\r\nvirt_caps              :\r\nxen_caps:xen-3.0-x86_64 \r\nhw_caps : 00000000:00000000\r\nmachine : aarch64\r\n');
    expect(info.xenVersion).toBe('4.17');
    expect(info.virtCaps).toEqual([]);
    expect(info.xenCaps).toEqual(['xen-3.0-x86_64']);
    expect(info.arch).toBe('aarch64');
    expect(info.hwCaps).toEqual({ raw: '00000000:00000000', words: [0, 0] });
  });

  it('says so when nothing is xl info', () => {
    const info = parseXlInfo('command not found: xl\n');
    expect(info.findings.map((f) => f.code)).toEqual(['XL_INFO_EMPTY']);
    expect(info.virtCaps).toBeNull();
    expect(info.xenCaps).toEqual([]);
  });

  it('flags a malformed hw_caps without decoding bits', () => {
    const info = parseXlInfo('xen_version : 4.17.0\nhw_caps : zz:yy\n');
    expect(info.hwCaps).toEqual({ raw: 'zz:yy' });
    expect(info.findings.map((f) => f.code)).toContain('XL_INFO_HW_CAPS_MALFORMED');
  });
});
