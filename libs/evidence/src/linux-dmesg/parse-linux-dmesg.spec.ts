import { describe, expect, it } from '@jest/globals';
import { readdirSync, readFileSync } from 'fs';
import { join } from 'path';
import { parseLinuxDmesg } from './parse-linux-dmesg';

const DIR = join(process.cwd(), 'test/fixtures/linux-dmesg');
const read = (name: string): string => readFileSync(join(DIR, name), 'utf8');

// One row per corpus file: the finding codes with the line of their first evidence, and the IO-APICs missing from IVRS.
const ROWS: { file: string; findings: [string, number][]; missingIoapics: number[]; ir?: 'enabled' | 'disabled' }[] = [
  { file: 'amd_desktop_kallisti5_ivrs_ioapic_passthrough.dmesg.txt', findings: [['LINUX_IVRS_IOAPIC_MISSING', 2], ['LINUX_IVRS_IOAPIC_MISSING', 3], ['LINUX_IVRS_NO_SOUTHBRIDGE_IOAPIC', 4], ['LINUX_AMDVI_INTREMAP_DISABLED', 5]], missingIoapics: [9, 10], ir: 'disabled' },
  // The source says the kdump kernel, not the firmware, corrupted this IVRS: the [Firmware Bug] tag misleads here.
  { file: 'amd_kdump_ivrs_invalid_checksum.dmesg.txt', findings: [['LINUX_ACPI_BAD_CHECKSUM', 1], ['LINUX_IVRS_INVALID_CHECKSUM', 2]], missingIoapics: [] },
  { file: 'asus_prime_x399a_tr1950x_ivrs_ioapic130.txt', findings: [['LINUX_IVRS_IOAPIC_MISSING', 1]], missingIoapics: [130] },
  { file: 'custom_amd_pc_2016_ivrs_ioapic0.txt', findings: [['LINUX_IVRS_IOAPIC_MISSING', 1], ['LINUX_IVRS_NO_SOUTHBRIDGE_IOAPIC', 4], ['LINUX_AMDVI_INTREMAP_DISABLED', 7]], missingIoapics: [0], ir: 'disabled' },
  { file: 'dell_xps13_9310_dmar_address0.dmesg.txt', findings: [['LINUX_DMAR_ADDRESS_ZERO', 1], ['LINUX_DMAR_PARSE_FAILED', 12]], missingIoapics: [] },
  { file: 'lenovo_thinkpad_t450s_rmrr_fwbug.dmesg.txt', findings: [['LINUX_DMAR_RMRR_NOT_RESERVED', 8], ['LINUX_DMAR_BAD_RMRR', 9]], missingIoapics: [] },
  // Arguably a kernel false positive (the RMRR is in ACPI NVS, per the source); the lines are reported as printed.
  { file: 'nec_server_rmrr_in_acpi_nvs.dmesg.txt', findings: [['LINUX_DMAR_RMRR_NOT_RESERVED', 3], ['LINUX_DMAR_BAD_RMRR', 4]], missingIoapics: [] },
  { file: 'supermicro_x9dri_ln4f_rmrr_fwbug.dmesg.txt', findings: [['LINUX_DMAR_RMRR_NOT_RESERVED', 6], ['LINUX_DMAR_BAD_RMRR', 7]], missingIoapics: [] },
  { file: 'ubuntu1804_server_install_ivrs_ioapic0.txt', findings: [['LINUX_IVRS_IOAPIC_MISSING', 2], ['LINUX_IVRS_NO_SOUTHBRIDGE_IOAPIC', 3], ['LINUX_AMDVI_INTREMAP_DISABLED', 4]], missingIoapics: [0], ir: 'disabled' },
];

describe(parseLinuxDmesg.name, () => {
  it('has a table row and a source note for every fixture', () => {
    const files = readdirSync(DIR).filter((f) => !f.endsWith('.source.txt'));
    expect(files.sort()).toEqual(ROWS.map((r) => r.file).sort());
    for (const f of files) expect(readdirSync(DIR)).toContain(`${f}.source.txt`);
  });

  it.each(ROWS)('$file', (row) => {
    const d = parseLinuxDmesg(read(row.file));
    expect(d.findings.map((f) => [f.code, f.evidence?.[0].line])).toEqual(row.findings);
    expect(d.amdVi.missingIoapics).toEqual(row.missingIoapics);
    expect(d.amdVi.interruptRemapping).toBe(row.ir);
    expect(d.xenPv).toBeUndefined();
  });

  it('ties the Dell address-0 bug to its BIOS line', () => {
    const d = parseLinuxDmesg(read('dell_xps13_9310_dmar_address0.dmesg.txt'));
    expect(d.biosInfo).toMatchObject({ vendor: 'Dell Inc.', version: '1.1.1', productVersion: '' });
    expect(d.findings[0].evidence?.map((e) => e.line)).toEqual([1, 2]);
    expect(d.dmar.drhd.map((x) => x.base)).toEqual(['0x000000fed90000', '0x000000fed84000', '0x000000fed86000', '0x00000000000000']);
    expect(d.dmar.parseFailed?.line).toBe(12);
  });

  it('strips syslog prefixes and reads the bare-metal DMAR driver lines', () => {
    const d = parseLinuxDmesg(read('lenovo_thinkpad_t450s_rmrr_fwbug.dmesg.txt'));
    expect(d.dmar.hostAddressWidth).toBe(39);
    expect(d.dmar.rmrr.map((x) => [x.base, x.end])).toEqual([['0x0000009c0f1000', '0x0000009c107fff'], ['0x0000009d800000', '0x0000009fffffff']]);
    expect(d.dmar.irqRemapping).toBe('xapic');
    expect(d.dmar.x2apicOptOut?.line).toBe(13);
    expect(d.dmar.enabled?.line).toBe(36);
    expect(d.iommuGroups).toBe(12);
    expect(d.biosInfo).toMatchObject({ vendor: 'LENOVO', version: 'JBET73WW (1.37 )', productVersion: 'ThinkPad T450s' });
  });

  it('reads the AMD IOMMU found in passthrough mode', () => {
    const d = parseLinuxDmesg(read('amd_desktop_kallisti5_ivrs_ioapic_passthrough.dmesg.txt'));
    expect(d.amdVi.iommus.map((x) => [x.bdf, x.cap])).toEqual([['0000:00:00.2', '0x40']]);
    expect(d.amdVi.passthroughMode?.line).toBe(7);
    expect(d.findings[0].message).toContain('ivrs_ioapic[9]=');
  });

  it('reads a PV dom0 log: Xen PV markers and the renamed DMAR table', () => {
    const d = parseLinuxDmesg(
      [
        '[    0.000000] Booting paravirtualized kernel on Xen',
        '[    0.004000] ACPI: RMAD 0x000000007A4E0000 0000A8 (v01 INTEL  EDK2     00000002      01000013)',
        '[    0.004100] ACPI: IVRS 0x00000000BF7B4000 0000D0 (v02 AMD    AMD IVRS 00000001 AMD  00000000)',
        '[    0.100000] Setting APIC routing to Xen PV.',
        '<4>[    0.2] AMD-Vi: [Firmware Bug]: : IOAPIC[4] not in IVRS table',
        'kern  :warn  : [Firmware Bug]: Invalid IVHD device type 0x99',
        '[Mon May 30 17:32:17 2022] [Firmware Bug]: something new',
      ].join('\n'),
    );
    expect(d.xenPv?.line).toBe(4);
    expect(d.xenGuestType).toBe('PV');
    expect(d.dmarTableSignature).toBe('RMAD');
    expect(d.acpiTables[0]).toEqual({ signature: 'RMAD', address: '0x7a4e0000', length: 0xa8, revision: 1, oemId: 'INTEL', oemTableId: 'EDK2', oemRevision: 2, aslId: '', aslRevision: 0x01000013, line: 2 });
    expect(d.acpiTables[1]).toMatchObject({ signature: 'IVRS', oemTableId: 'AMD IVRS', aslId: 'AMD' });
    expect(d.amdVi.missingIoapics).toEqual([4]);
    expect(d.findings.map((f) => f.code)).toEqual(['LINUX_IVRS_IOAPIC_MISSING', 'LINUX_IVHD_INVALID_DEVICE_TYPE', 'LINUX_FIRMWARE_BUG']);
  });
});
