import { describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildHostFacts } from '../../evidence/src/host-facts';
import type { EvidenceBundle } from '../../evidence/src/host-facts';
import { hvmVerdict } from './hvm';

// Real capture: the agent's `capture` inside a Xen 4.17 PV dom0 on QEMU q35 + intel-iommu with `-cpu max`
// (TCG: an AMD CPU; Xen runs HVM through SVM beside a VT-d IOMMU). See test/fixtures/xenlab/README.md.
const DIR = join(process.cwd(), 'test/fixtures/xenlab/q35-intel-iommu-max/evidence');
const read = (f: string) => readFileSync(join(DIR, f), 'utf8');
const bundle = (): EvidenceBundle => ({ 'xl-info.txt': read('xl-info.txt'), 'xl-dmesg.txt': read('xl-dmesg.txt'), 'cpuinfo.txt': read('cpuinfo.txt') });

describe('HVM vendor', () => {
  it('is the HVM engine Xen enabled (SVM: amd), not the IOMMU kind (VT-d), on the real xenlab dom0', () => {
    const b = bundle();
    expect(b['xl-dmesg.txt']).toContain('(XEN) HVM: SVM enabled');
    expect(b['xl-dmesg.txt']).toContain('(XEN) Intel VT-d Interrupt Remapping enabled.');
    expect(hvmVerdict(buildHostFacts(b))).toMatchObject({ status: 'yes', vendor: 'amd' });
  });

  it('falls back to hw_caps (the SVM bit), then to the CPU vendor (AuthenticAMD), when the log has no HVM line', () => {
    const b = bundle();
    const log = (b['xl-dmesg.txt'] as string).split('\n').filter((l) => !/HVM: SVM enabled|SVM:/.test(l)).join('\n');
    expect(hvmVerdict(buildHostFacts({ ...b, 'xl-dmesg.txt': log })).vendor).toBe('amd');
    expect(hvmVerdict(buildHostFacts({ 'xl-dmesg.txt': log, 'cpuinfo.txt': b['cpuinfo.txt']! })).vendor).toBe('amd');
  });

  it('uses the IOMMU kind only when nothing names the CPU', () => {
    const log = (bundle()['xl-dmesg.txt'] as string).split('\n').filter((l) => !/HVM: SVM enabled|SVM:|CPU Vendor/.test(l)).join('\n');
    expect(hvmVerdict(buildHostFacts({ 'xl-dmesg.txt': log })).vendor).toBe('intel');
  });
});
