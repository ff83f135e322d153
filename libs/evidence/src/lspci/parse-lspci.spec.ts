import { describe, expect, it } from '@jest/globals';
import { readFileSync } from 'fs';
import { join } from 'path';
import { parseLspci } from './parse-lspci';

const fixture = (name: string) => readFileSync(join(process.cwd(), 'test/fixtures/lspci', name), 'utf8');

// Expected facts read off each captured file by hand (see the .source.txt next to each fixture).
const cases: [string, Record<string, unknown>][] = [
  ['amd_gpu_flreset_minus.lspci_vv.txt', {
    bdf: '0000:01:00.0', line: 1, className: 'VGA compatible controller', progIf: '00',
    // the name was mail-wrapped over two lines; it is rejoined
    name: 'Advanced Micro Devices, Inc. [AMD/ATI] Lexa XT [Radeon PRO WX 3100]',
    flr: false, pcieType: 'Legacy Endpoint', ari: true, iommuGroup: 7, kernelDriver: 'amdgpu',
    ats: { invalidateQueueDepth: 0, enabled: true, stu: 0 }, sriov: undefined, acs: undefined,
  }],
  ['broadcom_netxtreme_flreset_plus.lspci_vv.txt', {
    // "# lspci -vvv -s 01:00.1" sits on line 1; FLReset+ was wrapped onto a column-0 line of its own
    bdf: '0000:01:00.1', line: 2, name: 'Broadcom Inc. and subsidiaries NetXtreme BCM5720 Gigabit Ethernet PCIe',
    flr: true, pcieType: 'Endpoint', ari: false, kernelDriver: 'tg3', kernelModules: ['tg3'], sriov: undefined, iommuGroup: undefined,
  }],
  ['intel_arc_56c0_sriov_partial.lspci_vv.txt', {
    // partial quote: no Express capability lines, so FLR is unknown (undefined), not "no"
    bdf: '0000:53:00.0', revision: '08', name: 'Intel Corporation Device 56c0', flr: undefined, express: false,
    sriov: { initialVfs: 31, totalVfs: 31, numVfs: 0, functionDependencyLink: '00', vfOffset: 1, vfStride: 1, vfDeviceId: '56c0', enabled: false, ariHierarchy: true, migration: false },
  }],
  ['mellanox_connectx4lx_pf.lspci_vv.txt', {
    bdf: '0000:01:00.0', name: 'Mellanox Technologies MT27710 Family [ConnectX-4 Lx]', flr: true, ari: true, kernelDriver: 'mlx5_core',
    sriov: { initialVfs: 8, totalVfs: 8, numVfs: 0, functionDependencyLink: '00', vfOffset: 2, vfStride: 1, vfDeviceId: '1016', enabled: false, ariHierarchy: true, migration: false },
    acs: {
      cap: { SrcValid: false, TransBlk: false, ReqRedir: false, CmpltRedir: false, UpstreamFwd: false, EgressCtrl: false, DirectTrans: false },
      ctl: { SrcValid: false, TransBlk: false, ReqRedir: false, CmpltRedir: false, UpstreamFwd: false, EgressCtrl: false, DirectTrans: false },
    },
  }],
  ['mellanox_connectx7_pf.lspci_vv.txt', {
    bdf: '0000:b1:00.1', flr: true, iommuGroup: 12, subsystem: 'Mellanox Technologies Device 0026',
    sriov: { initialVfs: 8, totalVfs: 8, numVfs: 0, functionDependencyLink: '01', vfOffset: 9, vfStride: 1, vfDeviceId: '101e', enabled: false, ariHierarchy: false, migration: false },
  }],
  ['nvidia_gtx1650_super_flreset_plus.lspci_vv.txt', {
    bdf: '0000:01:00.0', revision: 'a1', name: 'NVIDIA Corporation TU116 [GeForce GTX 1650 SUPER]', flr: true, pcieType: 'Legacy Endpoint',
    kernelDriver: undefined, sriov: undefined,
  }],
  ['nxp_freescale_enetc_e100_sriov.lspci_vv.txt', {
    bdf: '0000:00:00.0', revision: '01', progIf: '01', flr: true, pcieType: 'Root Complex Integrated Endpoint',
    sriov: { initialVfs: 2, totalVfs: 2, numVfs: 0, functionDependencyLink: '00', vfOffset: 8, vfStride: 1, vfDeviceId: 'ef00', enabled: false, ariHierarchy: false, migration: false },
  }],
  ['samsung_nvme_a824_sriov_pf.lspci_vv.txt', {
    // the Express capability line is indented like a detail line in this capture; still recognised
    bdf: '0000:01:00.0', className: 'Non-Volatile memory controller', progIf: '02', flr: true, pcieType: 'Endpoint', ari: true, kernelDriver: 'nvme',
    sriov: { initialVfs: 32, totalVfs: 32, numVfs: 1, functionDependencyLink: '00', vfOffset: 2, vfStride: 1, vfDeviceId: 'a824', enabled: true, ariHierarchy: false, migration: false },
  }],
];

describe(parseLspci.name, () => {
  it.each(cases)('%s', (file, expected) => {
    const r = parseLspci(fixture(file));
    expect(r.devices).toHaveLength(1);
    expect(r.accessDenied).toBe(false);
    const d = r.devices[0] as unknown as Record<string, unknown>;
    for (const [k, v] of Object.entries(expected)) expect([k, d[k]]).toEqual([k, v]);
    expect(d.isBridge).toBe(false);
    expect(d.conventionalPciBridge).toBe(false);
  });

  it('reports rejoined mail-wrapped lines and elided excerpts', () => {
    expect(parseLspci(fixture('broadcom_netxtreme_flreset_plus.lspci_vv.txt')).findings.map((f) => f.code)).toEqual(['LSPCI_WRAPPED_LINES']);
    expect(parseLspci(fixture('intel_arc_56c0_sriov_partial.lspci_vv.txt')).findings.map((f) => f.code)).toEqual(['LSPCI_WRAPPED_LINES', 'LSPCI_ELIDED']);
    expect(parseLspci(fixture('mellanox_connectx7_pf.lspci_vv.txt')).findings).toEqual([]);
  });

  it('reads all devices when the captures are concatenated, with their start lines', () => {
    const a = fixture('mellanox_connectx7_pf.lspci_vv.txt');
    const b = fixture('samsung_nvme_a824_sriov_pf.lspci_vv.txt');
    const r = parseLspci(a + '\n' + b);
    expect(r.devices.map((d) => [d.bdf, d.line])).toEqual([['0000:b1:00.1', 1], ['0000:01:00.0', a.split('\n').length + 1]]);
  });

  it('parses -nnk headers, bridges, access denied and conventional PCI bridges', () => {
    const text = [
      '00:1c.0 PCI bridge [0604]: Intel Corporation 8 Series/C220 Series Chipset Family PCI Express Root Port #1 [8086:8c10] (rev d5) (prog-if 00 [Normal decode])',
      '\tBus: primary=00, secondary=02, subordinate=03, sec-latency=0',
      '\tCapabilities: [40] Express (v2) Root Port (Slot+), MSI 00',
      '\t\tDevCap:\tMaxPayload 128 bytes, PhantFunc 0',
      '\t\t\tExtTag- RBE+',
      '\tCapabilities: [140 v1] Access Control Services',
      '\t\tACSCap:\tSrcValid+ TransBlk- ReqRedir+ CmpltRedir+ UpstreamFwd+ EgressCtrl- DirectTrans-',
      '\t\tACSCtl:\tSrcValid+ TransBlk- ReqRedir+ CmpltRedir+ UpstreamFwd+ EgressCtrl- DirectTrans-',
      '\tKernel driver in use: pcieport',
      '',
      '02:00.0 PCI bridge [0604]: Texas Instruments XIO2001 PCI Express-to-PCI Bridge [104c:8240]',
      '\tCapabilities: [50] Power Management version 3',
      '\tCapabilities: [100 v1] Express (v2) PCI-Express to PCI/PCI-X Bridge, MSI 00',
      '',
      '03:00.0 PCI bridge [0604]: Intel Corporation 82801 PCI Bridge [8086:244e] (rev a6) (prog-if 01 [Subtractive decode])',
      '\tBus: primary=03, secondary=04, subordinate=04, sec-latency=32',
      '\tCapabilities: [50] Subsystem: Intel Corporation Device 0000',
      '',
      '0000:3b:00.0 Ethernet controller [0200]: Intel Corporation Ethernet Controller X710 [8086:1572] (rev 02)',
      '\tSubsystem: Intel Corporation Ethernet 10G 2P X710 Adapter [8086:0007]',
      '\tCapabilities: <access denied>',
      '\tKernel driver in use: i40e',
      '\tKernel modules: i40e, vfio_pci',
    ].join('\n');
    const r = parseLspci(text);
    expect(r.accessDenied).toBe(true);
    expect(r.findings.map((f) => f.code)).toEqual(['LSPCI_ACCESS_DENIED']);
    const [rp, pcie2pci, legacy, nic] = r.devices;
    expect(rp).toMatchObject({
      bdf: '0000:00:1c.0', classCode: '0604', vendorId: '8086', deviceId: '8c10', revision: 'd5', progIf: '00',
      name: 'Intel Corporation 8 Series/C220 Series Chipset Family PCI Express Root Port #1',
      isBridge: true, express: true, pcieType: 'Root Port', conventionalPciBridge: false, secondaryBus: 2, subordinateBus: 3,
      acs: { cap: { SrcValid: true, ReqRedir: true, TransBlk: false }, ctl: { UpstreamFwd: true, EgressCtrl: false } },
      kernelDriver: 'pcieport',
    });
    expect(rp.flr).toBeUndefined(); // Root Ports print no FLReset in DevCap
    expect(pcie2pci).toMatchObject({ bdf: '0000:02:00.0', pcieType: 'PCI-Express to PCI/PCI-X Bridge', conventionalPciBridge: true });
    expect(legacy).toMatchObject({ bdf: '0000:03:00.0', express: false, conventionalPciBridge: true, secondaryBus: 4, progIf: '01' });
    expect(nic).toMatchObject({
      bdf: '0000:3b:00.0', className: 'Ethernet controller', classCode: '0200', capabilitiesAccessDenied: true,
      subsystem: 'Intel Corporation Ethernet 10G 2P X710 Adapter', subsystemVendorId: '8086', subsystemDeviceId: '0007',
      kernelDriver: 'i40e', kernelModules: ['i40e', 'vfio_pci'], conventionalPciBridge: false,
    });
    expect(nic.flr).toBeUndefined();
    expect(nic.sriov).toBeUndefined();
  });

  it('leaves conventionalPciBridge unknown for a PCI bridge whose capabilities were denied or not printed', () => {
    const r = parseLspci('00:1e.0 PCI bridge: Intel Corporation 82801 PCI Bridge (rev a6)\n\tCapabilities: <access denied>\n00:1e.1 PCI bridge: X\n');
    expect(r.devices.map((d) => d.conventionalPciBridge)).toEqual([undefined, undefined]);
  });

  it('flags SR-IOV disabled by the BIOS (Total VFs 0, Initial VFs > 0) and skips -x hex dumps', () => {
    const text = '65:00.0 Ethernet controller: X\n\tCapabilities: [160 v1] Single Root I/O Virtualization (SR-IOV)\n\t\tInitial VFs: 64, Total VFs: 0, Number of VFs: 0, Function Dependency Link: 00\n00: 86 80 72 15 06 04 10 00 02 00 00 02 10 00 80 00\n';
    const r = parseLspci(text);
    expect(r.devices[0].sriov).toEqual({ initialVfs: 64, totalVfs: 0, numVfs: 0, functionDependencyLink: '00' });
    expect(r.findings.map((f) => f.code)).toEqual(['LSPCI_SRIOV_DISABLED_BY_BIOS']);
  });

  it('returns no devices and a finding for text that is not lspci output', () => {
    expect(parseLspci('hello\nworld')).toEqual({ devices: [], accessDenied: false, findings: [expect.objectContaining({ code: 'LSPCI_NO_DEVICES' })] });
    expect(parseLspci('')).toEqual({ devices: [], accessDenied: false, findings: [] });
  });
});
