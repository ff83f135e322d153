import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { FactsSchema } from '../../../contracts/src/snapshot';
import { HOSTS_DIR, loadHost } from '../../../../test/fixtures/hosts/load-host';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildHostFacts } from './build';
import { vfBdfs } from './pci';
import type { EvidenceBundle } from './types';

const DMAR = loadHost('dell-xps8940-dmar')['acpi/DMAR'] as Uint8Array;
const withSig = (b: Uint8Array, sig: string) => {
  const c = Uint8Array.from(b);
  c.set([...sig].map((ch) => ch.charCodeAt(0)), 0);
  return c;
};

describe(buildHostFacts.name, () => {
  it('an empty directory is no evidence, not an error', () => {
    const f = buildHostFacts({});
    expect(f).toEqual({ sources: [], isXenDom0: null, acpi: { tablesSeen: [], inventoryKnown: false }, pci: { present: false, accessDenied: false, devices: [], assignableListPresent: false, guestListPresent: false }, findings: [] });
  });

  it('records the sources present and is JSON- and FactsSchema-clean', () => {
    const bundle = { ...loadHost('amd-4.14-xlinfo-dmesg'), ...loadHost('poweredge-r730-dmidecode') };
    const f = buildHostFacts(bundle);
    expect(f.sources).toEqual(['dmidecode.txt', 'xl-dmesg.txt', 'xl-info.txt']);
    expect(JSON.parse(JSON.stringify(f))).toEqual(f);
    expect(FactsSchema.parse(f).firmware).toMatchObject({ biosVendor: 'Dell Inc.', biosVersion: '2.4.3', biosDate: '01/17/2017', sysVendor: 'Dell Inc.', productName: 'PowerEdge R730' });
    expect(f.isXenDom0).toBe(true);
    expect(f.xlInfo?.xenVersion).toBe('4.14.0');
    expect(f.xenLog?.complete).toBe(false);
    expect(f.findings.map((x) => x.code)).toContain('XL_DMESG_INCOMPLETE');
  });

  it('prefers dmi/ files over dmidecode for firmware', () => {
    const f = buildHostFacts({ 'dmi/bios_vendor': 'LENOVO\n', 'dmi/bios_version': 'JBET73WW (1.37 )\n', ...loadHost('poweredge-r730-dmidecode') });
    expect(f.firmware?.biosVendor).toBe('LENOVO');
    expect(f.firmware?.biosVersion).toBe('JBET73WW (1.37 )');
  });

  it('reads the DMAR under RMAD, then XMAR, then DMAR, and hashes it as the firmware shipped it', () => {
    const plain = buildHostFacts({ 'acpi/DMAR': DMAR }).acpi.dmar!;
    const both = buildHostFacts({ 'acpi/DMAR': DMAR, 'acpi/XMAR': withSig(DMAR, 'XMAR'), 'acpi/RMAD.dat': withSig(DMAR, 'RMAD') }).acpi;
    expect(both.dmar?.signature).toBe('RMAD');
    expect(both.dmar?.source).toBe('acpi/RMAD.dat');
    expect(both.dmar?.sha256).toBe(plain.sha256);
    expect(both.tablesSeen).toEqual(['DMAR', 'RMAD', 'XMAR']);
    expect(plain).toMatchObject({ signature: 'DMAR', oemRevision: expect.any(Number), findings: [] });
  });

  it('accepts iasl text and base64 for acpi/<SIG> as well as bytes', () => {
    const iaslText = readFileSync(join(HOSTS_DIR, 'dell-xps8940-dmar/acpi/DMAR'), 'utf8');
    const fromBytes = buildHostFacts({ 'acpi/DMAR': DMAR }).acpi.dmar;
    expect(buildHostFacts({ 'acpi/DMAR': iaslText }).acpi.dmar?.sha256).toBe(fromBytes?.sha256);
    const b64 = `base64:${Buffer.from(DMAR).toString('base64')}`;
    expect(buildHostFacts({ 'acpi/DMAR': b64 }).acpi.dmar?.sha256).toBe(fromBytes?.sha256);
  });

  it('takes the ACPI inventory from a complete boot log only', () => {
    const apu2 = buildHostFacts(loadHost('amd-apu2-4.8-dmesg'));
    expect(apu2.acpi.inventoryKnown).toBe(true);
    expect(apu2.acpi.tablesSeen).toEqual(expect.arrayContaining(['APIC', 'DSDT', 'HPET']));
    expect(apu2.acpi.tablesSeen).not.toContain('IVRS');
    expect(buildHostFacts(loadHost('intel-hap-excerpt-dmesg')).acpi.inventoryKnown).toBe(false);
  });

  it('uses the xl dmesg command line when xl info has none', () => {
    const f = buildHostFacts(loadHost('amd-apu2-4.8-dmesg'));
    expect(f.xenCommandline?.raw).toBe('dom0_mem=512M loglvl=all guest_loglvl=all com1=115200,8n1 console=com1');
    expect(f.xenCommandline?.iommuDisabledByAdmin).toBe(false);
  });

  it('counts the VFs guests hold (xl pci-list) against the PF that owns them', () => {
    const f = buildHostFacts(loadHost('samsung-nvme-sriov-guest'));
    const pf = f.pci.devices.find((d) => d.bdf === '0000:01:00.0');
    expect(pf?.sriov).toMatchObject({ totalVfs: 32, numVfs: 1, vfOffset: 2, vfStride: 1 });
    expect(pf?.usedVfs).toBe(1);
    expect(f.pci.guestListPresent).toBe(true);
  });

  it('marks devices from xl pci-assignable-list', () => {
    const f = buildHostFacts({ ...loadHost('connectx4lx-lspci'), 'xl-pci-assignable-list.txt': '0000:01:00.0 \n' });
    expect(f.pci.devices[0]).toMatchObject({ bdf: '0000:01:00.0', assignable: true });
  });

  it('reads Arm from xl info machine, and guesses it from Arm-only boot-log lines', () => {
    expect(buildHostFacts(loadHost('arm64-zynqmp-xlinfo')).arch).toBe('aarch64');
    expect(buildHostFacts({ 'xl-dmesg.txt': loadHost('arm64-raspi4')['xl-dmesg.txt']! }).arch).toBe('arm');
  });

  it('/proc/xen/capabilities decides dom0', () => {
    expect(buildHostFacts({ 'xen-capabilities.txt': 'control_d\n' }).isXenDom0).toBe(true);
    expect(buildHostFacts({ 'xen-capabilities.txt': '' }).isXenDom0).toBe(false);
    expect(buildHostFacts({ 'hypervisor/type': 'kvm\n' }).isXenDom0).toBe(false);
  });

  it('never throws on garbage in any evidence file', () => {
    const names = ['xl-info.txt', 'xl-dmesg.txt', 'cpuinfo.txt', 'lspci-vv.txt', 'dmesg.txt', 'dmidecode.txt', 'acpi/DMAR', 'acpi/IVRS', 'acpidump.txt', 'sysfs/pci/0000:01:00.0/sriov_numvfs', 'xl-pci-list/g.txt', 'dmi/bios_version', 'hypervisor/type'];
    fc.assert(
      fc.property(fc.dictionary(fc.constantFrom(...names), fc.oneof(fc.string({ maxLength: 400 }), fc.uint8Array({ maxLength: 200 }))), (bundle) => {
        const f = buildHostFacts(bundle as EvidenceBundle);
        expect(JSON.parse(JSON.stringify(f))).toEqual(f);
      }),
      { numRuns: 200 },
    );
  });
});

describe('a DMAR/IVRS file that holds something else', () => {
  it('is a broken table with a finding that says so, not a table that passed every check', () => {
    const garbage = new Uint8Array(5000).map((_, i) => (i * 131 + 7) % 251);
    const facts = buildHostFacts({ 'acpi/RMAD': garbage, 'acpi/IVRS': new TextEncoder().encode('not an ACPI table at all, just text that is long enough') });
    expect(facts.acpi.dmar?.findings.map((f) => [f.code, f.severity])).toEqual([['ACPI_SIGNATURE_MISMATCH', 'error']]);
    expect(facts.acpi.dmar?.findings[0]!.message).toContain('acpi/RMAD does not hold a DMAR/RMAD/XMAR or IVRS table');
    expect(facts.acpi.ivrs?.findings.map((f) => f.code)).toEqual(['ACPI_SIGNATURE_MISMATCH']);
  });
});

describe(vfBdfs.name, () => {
  it('walks routing ids by offset and stride across device and bus boundaries', () => {
    expect(vfBdfs('0000:01:00.0', 2, 1, 3)).toEqual(['0000:01:00.2', '0000:01:00.3', '0000:01:00.4']);
    expect(vfBdfs('0000:3b:00.1', 0x7f, 2, 2)).toEqual(['0000:3b:10.0', '0000:3b:10.2']);
    expect(vfBdfs('0000:ff:1f.0', 0x10, 1, 2)).toEqual([]);
  });
});
