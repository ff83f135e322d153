import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { parseHypervisor, parseXenCapabilities } from './parse-hypervisor';
import { parseSysfsPci } from './parse-sysfs-pci';

describe(parseSysfsPci.name, () => {
  it('collects SR-IOV and reset facts per domain-qualified BDF', () => {
    const r = parseSysfsPci({
      '0000:3b:00.0/sriov_totalvfs': '64\n',
      '0000:3b:00.0/sriov_numvfs': '8\n',
      '0000:3b:00.0/sriov_offset': '16\n',
      '0000:3b:00.0/sriov_stride': '1\n',
      '0000:3b:00.0/sriov_vf_device': '154c\n',
      '0000:3b:00.0/reset_method': 'flr bus\n',
      '0000:3b:00.0/reset': '',
      'sysfs/pci/0000:01:00.0/reset_method': '\n',
      '3B:00.1/sriov_totalvfs': '0\n',
      '0000:3b:00.1/vendor': '0x8086\n',
    });
    expect(r.devices).toEqual({
      '0000:3b:00.0': { totalVfs: 64, numVfs: 8, vfOffset: 16, vfStride: 1, vfDeviceId: '154c', resetMethods: ['flr', 'bus'], hasResetFile: true },
      '0000:01:00.0': { resetMethods: [] },
      '0000:3b:00.1': { totalVfs: 0 },
    });
    expect(r.findings).toEqual([]);
  });
  it('reports unreadable values instead of guessing', () => {
    const r = parseSysfsPci({ '0000:3b:00.0/sriov_numvfs': 'cat: Permission denied', 'not-a-bdf/sriov_numvfs': '1' });
    expect(r.devices).toEqual({ '0000:3b:00.0': {} });
    expect(r.findings.map((f) => f.code)).toEqual(['SYSFS_PCI_UNREADABLE']);
  });
  it('never throws on random keys and values', () => {
    fc.assert(fc.property(fc.dictionary(fc.string(), fc.string()), (files) => {
      expect(typeof parseSysfsPci(files).devices).toBe('object');
    }));
  });
});

describe(parseHypervisor.name, () => {
  it('reads a Xen PV dom0', () => {
    expect(parseHypervisor({
      type: 'xen\n', guest_type: 'PV\n', 'version/major': '4\n', 'version/minor': '17\n', 'version/extra': '.3-pre\n',
      'properties/capabilities': 'xen-3.0-x86_64 hvm-3.0-x86_32 hvm-3.0-x86_32p hvm-3.0-x86_64 \n',
    })).toEqual({
      type: 'xen', isXen: true, guestType: 'PV', major: 4, minor: 17, extra: '.3-pre', version: '4.17.3-pre',
      capabilities: ['xen-3.0-x86_64', 'hvm-3.0-x86_32', 'hvm-3.0-x86_32p', 'hvm-3.0-x86_64'],
    });
  });
  it('is not Xen without evidence, and accepts hypervisor/ prefixes', () => {
    expect(parseHypervisor({})).toEqual({ isXen: false });
    expect(parseHypervisor({ 'hypervisor/type': 'kvm\n' })).toEqual({ type: 'kvm', isXen: false });
    fc.assert(fc.property(fc.dictionary(fc.string(), fc.string()), (files) => expect(typeof parseHypervisor(files).isXen).toBe('boolean')));
  });
});

describe(parseXenCapabilities.name, () => {
  it('finds control_d', () => {
    expect(parseXenCapabilities('control_d\n')).toEqual({ controlDomain: true });
    expect(parseXenCapabilities('')).toEqual({ controlDomain: false });
    expect(parseXenCapabilities('not_control_d')).toEqual({ controlDomain: false });
    fc.assert(fc.property(fc.string(), (s) => expect(typeof parseXenCapabilities(s).controlDomain).toBe('boolean')));
  });
});
