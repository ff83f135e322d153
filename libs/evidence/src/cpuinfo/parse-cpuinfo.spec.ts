import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { readdirSync, readFileSync } from 'fs';
import { join } from 'path';
import { parseCpuinfo } from './parse-cpuinfo';

const dir = join(process.cwd(), 'test/fixtures/cpuinfo');
const fixture = (name: string) => readFileSync(join(dir, name), 'utf8');

type Row = [file: string, facts: Record<string, unknown>, flagCount: number, codes: string[]];
// Facts read off each capture by hand; see the .source.txt next to each fixture. `*.lscpu.txt` are lscpu output
// (a related format the corpus supplies), read as such and flagged.
const rows: Row[] = [
  ['amd_epyc_7351p.lscpu.txt', { format: 'lscpu', vendor: 'amd', family: 23, model: 1, stepping: 2, cpuCount: 32, modelName: 'AMD EPYC 7351P 16-Core Processor', hasSvm: true, hasVmx: false, hypervisor: false, xenPvDom0Likely: false, lscpu: { virtualization: 'AMD-V' } }, 111, ['CPUINFO_IS_LSCPU']],
  ['amd_phenom2_x6_1055t_native.cpuinfo.txt', { format: 'cpuinfo', vendor: 'amd', family: 16, model: 10, stepping: 0, cpuCount: 1, hasSvm: true, hasLm: true, hypervisor: false }, 63, []],
  ['amd_ryzen5_3600.lscpu.txt', { format: 'lscpu', vendor: 'amd', family: 23, model: 113, stepping: 0, cpuCount: 12, hasSvm: true }, 129, ['CPUINFO_IS_LSCPU']],
  // "$ cat /proc/cpuinfo" prompt line on top; excerpt holds the first CPU only
  ['amd_ryzen7_255_native.cpuinfo.txt', { format: 'cpuinfo', vendor: 'amd', family: 25, model: 117, stepping: 2, cpuCount: 1, modelName: 'AMD Ryzen 7 255 w/ Radeon 780M Graphics', hasSvm: true, hypervisor: false }, 158, []],
  ['intel_core2_quad_q9500.lscpu.txt', { format: 'lscpu', vendor: 'intel', family: 6, model: 23, stepping: 10, cpuCount: 4, hasVmx: true, lscpu: { virtualization: 'VT-x' } }, 58, ['CPUINFO_IS_LSCPU']],
  // first line cut mid-word by the excerpt ("(s):") is ignored
  ['intel_i7_10700_native.lscpu.txt', { format: 'lscpu', vendor: 'intel', family: 6, model: 165, stepping: 5, cpuCount: 16, hasVmx: true }, 120, ['CPUINFO_IS_LSCPU']],
  // tail of an lscpu dump: no vendor/model lines in the excerpt, so those are unknown; flags were terminal-wrapped
  ['intel_xeon_48cpu_lscpu_wrapped_vmx_disabled_itlb.lscpu.txt', { format: 'lscpu', vendor: undefined, modelName: undefined, cpuCount: undefined, hasVmx: true, hypervisor: false }, 134, ['CPUINFO_WRAPPED_LINES', 'CPUINFO_IS_LSCPU']],
  ['intel_xeon_e5_2620v3.lscpu.txt', { format: 'lscpu', vendor: 'intel', family: 6, model: 63, stepping: 2, cpuCount: 12, hasVmx: true }, 107, ['CPUINFO_IS_LSCPU']],
  ['intel_xeon_e5_2670_dual_socket_native.cpuinfo.txt', { format: 'cpuinfo', vendor: 'intel', family: 6, model: 45, stepping: 7, cpuCount: 1, hasVmx: true, hypervisor: false }, 75, []],
  ['kvm_guest_sandybridge_pycpuinfo.cpuinfo.txt', { vendor: 'intel', model: 42, hasVmx: false, hypervisor: true, xenPvDom0Likely: true, xenPvFlagPattern: false }, 44, ['CPUINFO_VIRT_FLAGS_HIDDEN']],
  ['nutanix_kvm_guest_xeon_gold_5120.cpuinfo.txt', { vendor: 'intel', family: 15, model: 6, hasVmx: false, hypervisor: true, xenPvDom0Likely: true, xenPvFlagPattern: false }, 85, ['CPUINFO_VIRT_FLAGS_HIDDEN']],
  // two dom0s' mail-wrapped "Flags:" blocks in one mail: flags are the union; no vendor_id line in the mail
  ['xen_dom0_i5_3330_and_xeon_gold_5318y.lscpu_flags.txt', { vendor: undefined, hasVmx: false, hasSvm: false, hypervisor: true, xenPvDom0Likely: true, xenPvFlagPattern: true }, 84, ['CPUINFO_WRAPPED_LINES', 'CPUINFO_IS_LSCPU', 'CPUINFO_VIRT_FLAGS_HIDDEN']],
  // an old XenServer dom0 kernel passed vmx through: a dom0 that is not "xenPvDom0Likely" by flags, but has the PV flag pattern
  ['xenserver_dom0_xeon_x3430.cpuinfo.txt', { vendor: 'intel', model: 30, hasVmx: true, hypervisor: true, xenPvDom0Likely: false, xenPvFlagPattern: true }, 44, []],
];

describe(parseCpuinfo.name, () => {
  it('covers every cpuinfo fixture', () => {
    expect(readdirSync(dir).filter((f) => !f.endsWith('.source.txt')).sort()).toEqual(rows.map((r) => r[0]).sort());
  });

  it.each(rows)('%s', (file, facts, flagCount, codes) => {
    const r = parseCpuinfo(fixture(file)) as unknown as Record<string, unknown> & { flags: string[]; findings: { code: string }[] };
    for (const [k, v] of Object.entries(facts)) expect([k, r[k]]).toEqual([k, v]);
    expect(r.flags).toHaveLength(flagCount);
    expect(new Set(r.flags).size).toBe(r.flags.length);
    expect(r.findings.map((f) => f.code)).toEqual(codes);
  });

  it('rejoins terminal-wrapped lscpu flags that cut words (con/stant_tsc, cat/_l3, s/mep)', () => {
    const r = parseCpuinfo(fixture('intel_xeon_48cpu_lscpu_wrapped_vmx_disabled_itlb.lscpu.txt'));
    expect(r.flags).toEqual(expect.arrayContaining(['constant_tsc', 'cat_l3', 'smep', 'sdbg', 'fma', 'xsaves', 'cqm_llc', 'arch_capabilities', 'avx512_vnni', 'ept', 'vpid']));
    for (const broken of ['con', 'stant_tsc', 'cat', '_l3', 's', 'mep', 'sdbgfma', 'xsavescqm_llc']) expect(r.flags).not.toContain(broken);
  });

  it('rejoins mail-wrapped flags of the Xen dom0 report (PV dom0 hides vmx)', () => {
    const r = parseCpuinfo(fixture('xen_dom0_i5_3330_and_xeon_gold_5318y.lscpu_flags.txt'));
    expect(r.flags.slice(0, 3)).toEqual(['fpu', 'de', 'tsc']);
    expect(r.flags).toEqual(expect.arrayContaining(['fxsr', 'nonstop_tsc', 'sse4_1', 'arch_capabilities', 'avx512_vnni', 'vpclmulqdq']));
    expect(r.flags).not.toContain('vmx');
  });

  it('reads the separate vmx flags line and de-duplicates across CPUs', () => {
    const cpu = (n: number) => `processor\t: ${n}\nvendor_id\t: GenuineIntel\ncpu family\t: 6\nmodel\t\t: 85\nflags\t\t: fpu vme lm vmx ept vpid\nvmx flags\t: vnmi preemption_timer invvpid ept_x_only ept_ad ept vpid unrestricted_guest\n\n`;
    const r = parseCpuinfo(cpu(0) + cpu(1));
    expect(r).toMatchObject({ cpuCount: 2, vendor: 'intel', flags: ['fpu', 'vme', 'lm', 'vmx', 'ept', 'vpid'], hasVmx: true, hasLm: true });
    expect(r.vmxFlags).toEqual(['vnmi', 'preemption_timer', 'invvpid', 'ept_x_only', 'ept_ad', 'ept', 'vpid', 'unrestricted_guest']);
  });

  it('reads Arm cpuinfo (no vendor_id)', () => {
    const arm = 'processor\t: 0\nBogoMIPS\t: 108.00\nFeatures\t: fp asimd evtstrm crc32 cpuid\nCPU implementer\t: 0x41\nCPU architecture: 8\nCPU variant\t: 0x0\nCPU part\t: 0xd08\nCPU revision\t: 3\n\nprocessor\t: 1\nFeatures\t: fp asimd evtstrm crc32 cpuid\n';
    expect(parseCpuinfo(arm)).toMatchObject({
      format: 'cpuinfo', vendor: 'other', cpuCount: 2, flags: ['fp', 'asimd', 'evtstrm', 'crc32', 'cpuid'], hasVmx: false, hypervisor: false,
      arm: { implementer: '0x41', architecture: '8', variant: '0x0', part: '0xd08', revision: '3' },
    });
  });

  it('maps vendors and says nothing without evidence', () => {
    expect(parseCpuinfo('vendor_id : HygonGenuine\nflags : svm').vendor).toBe('amd');
    expect(parseCpuinfo('vendor_id : CentaurHauls\nflags : vmx').vendor).toBe('other');
    expect(parseCpuinfo('')).toMatchObject({ format: 'unknown', vendor: undefined, flags: [], findings: [] });
    expect(parseCpuinfo('garbage').findings.map((f) => f.code)).toEqual(['CPUINFO_NO_FLAGS']);
  });

  it('never throws on random text, truncations and shuffles; 1-2 MB in bounded time', () => {
    fc.assert(fc.property(fc.string({ unit: 'grapheme', maxLength: 300 }), (s) => expect(Array.isArray(parseCpuinfo(s).flags)).toBe(true)));
    for (const [file] of rows) {
      const text = fixture(file);
      fc.assert(fc.property(fc.nat(text.length), (n) => expect(Array.isArray(parseCpuinfo(text.slice(0, n)).flags)).toBe(true)), { numRuns: 30 });
      fc.assert(fc.property(fc.shuffledSubarray(text.split('\n')), (l) => expect(Array.isArray(parseCpuinfo(l.join('\n')).flags)).toBe(true)), { numRuns: 30 });
    }
    const block = fixture('intel_xeon_e5_2670_dual_socket_native.cpuinfo.txt');
    const big = block.repeat(Math.ceil((2 * 1024 * 1024) / block.length));
    let t = performance.now();
    expect(parseCpuinfo(big).cpuCount).toBe(Math.ceil((2 * 1024 * 1024) / block.length));
    expect(performance.now() - t).toBeLessThan(5000);
    t = performance.now();
    parseCpuinfo('flags\t: x\n' + ' y\n'.repeat(500_000));
    parseCpuinfo('flags : ' + 'a '.repeat(800_000));
    parseCpuinfo(':'.repeat(1_500_000));
    expect(performance.now() - t).toBeLessThan(5000);
  });
});
