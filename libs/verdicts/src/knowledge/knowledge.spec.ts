import { describe, expect, it } from '@jest/globals';
import { buildHostFacts } from '../../../evidence/src/host-facts';
import { loadHost } from '../../../../test/fixtures/hosts/load-host';
import { computeVerdicts } from '../compute';
import { CHIPSETS, findChipsets } from './chipsets';
import { FIRMWARE_BUGS, findFirmwareBugs } from './firmware-bugs';
import { findSriovDevice, SRIOV_DEVICES } from './sriov-devices';

describe('knowledge base data', () => {
  it('has unique ids and lowercase hex PCI ids', () => {
    const ids = [...CHIPSETS.flatMap((c) => c.pciIds), ...SRIOV_DEVICES.map((d) => d.pciId)];
    for (const id of ids) expect(id).toMatch(/^[0-9a-f]{4}:[0-9a-f]{4}$/);
    expect(new Set(SRIOV_DEVICES.map((d) => d.pciId)).size).toBe(SRIOV_DEVICES.length);
    expect(new Set(FIRMWARE_BUGS.map((b) => b.id)).size).toBe(FIRMWARE_BUGS.length);
  });

  it.each([
    ['1002:5a11', 'AMD 890FX (RD890)', 'yes'],
    ['1002:9601', 'AMD 890GX/880G (RS880)', 'no'],
    ['1002:5957', 'AMD 870/770/790X (RX880/RX780)', 'no'],
    ['1002:5a14', 'AMD 990FX/990X/970 (RD990/RD970/RX980)', 'yes'],
    ['1002:5a13', 'AMD SR5690/SR5670/SR5650 (server)', 'yes'],
    ['8086:29c0', 'Intel G31/G33/P35/P31', 'no'],
  ])('chipset %s → %s (IOMMU %s)', (id, name, iommu) => {
    const [vendorId, deviceId] = id.split(':');
    const hit = findChipsets([{ vendorId, deviceId }]);
    expect(hit.map((c) => [c.name, c.iommu])).toEqual([[name, iommu]]);
  });

  it('matches chipsets by lspci name when ids were not printed (Qubes HCL: Gigabyte GA-890FXA-UD7)', () => {
    const hit = findChipsets([{ name: 'Advanced Micro Devices, Inc. [AMD/ATI] RD890 Northbridge only single slot PCI-e GFX Hydra part' }]);
    expect(hit.map((c) => c.name)).toEqual(['AMD 890FX (RD890)']);
  });

  it.each([
    [{ vendorId: '8086', deviceId: '10fb' }, 'Intel 82599ES 10GbE', 63],
    [{ vendorId: '8086', deviceId: '1572' }, 'Intel X710 10GbE SFP+', 64],
    [{ vendorId: '8086', deviceId: '1583' }, 'Intel XL710 40GbE QSFP+', 128],
    [{ vendorId: '15b3', deviceId: '1015' }, 'Mellanox ConnectX-4 Lx', 127],
    [{ name: 'Mellanox Technologies MT2910 Family [ConnectX-7]' }, 'Mellanox ConnectX-7', 127],
    [{ name: 'Samsung Electronics Co Ltd Device a824' }, 'Samsung PM173X NVMe', 32],
  ])('SR-IOV device %j', (d, name, maxVfs) => {
    expect(findSriovDevice(d)).toMatchObject({ name, maxVfs });
  });

  it('firmware bugs match board and BIOS version, not other versions', () => {
    const t450s = { sysVendor: 'LENOVO', productName: '20BWS1KA00', boardName: 'ThinkPad T450s', boardVendor: 'LENOVO', biosVersion: 'JBET73WW (1.37 )' };
    expect(findFirmwareBugs(t450s).map((b) => b.id)).toEqual(['lenovo-t450s-rmrr']);
    expect(findFirmwareBugs({ ...t450s, biosVersion: 'JBET75WW (1.39 )' })).toEqual([]);
    expect(findFirmwareBugs(undefined)).toEqual([]);
  });
});

describe('the knowledge base explains, never overrides', () => {
  const APU2 = loadHost('amd-apu2-4.8-dmesg');
  const apu2Dmi = { 'dmi/sys_vendor': 'PC Engines\n', 'dmi/product_name': 'apu2\n', 'dmi/board_vendor': 'PC Engines\n', 'dmi/board_name': 'apu2\n', 'dmi/bios_version': 'v4.6.9\n' };

  it('a known board adds the firmware-bug explanation to the evidence-based verdict', () => {
    const v = computeVerdicts(buildHostFacts({ ...APU2, ...apu2Dmi }));
    expect(v.iommu.status).toBe('disabled-by-firmware');
    expect(v.iommu.reasons.join(' ')).toContain('update the coreboot firmware');
  });

  it('a "no IOMMU" chipset does not turn an enabled IOMMU into no', () => {
    const lspci = '00:00.0 Host bridge [0600]: Advanced Micro Devices, Inc. [AMD/ATI] RS880 Host Bridge [1002:9601]\n';
    const on = computeVerdicts(buildHostFacts({ ...loadHost('amd-32cpu-amdvi-dmesg'), 'lspci-vv.txt': lspci }));
    expect(on.iommu.status).toBe('yes');
    const off = computeVerdicts(buildHostFacts({ ...APU2, 'lspci-vv.txt': lspci }));
    expect(off.iommu.reasons.join(' ')).toContain('The 890GX/880G (RS880) chipset has no IOMMU: no BIOS setting or update will enable one.');
  });
});
