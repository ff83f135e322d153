import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { readdirSync, readFileSync } from 'fs';
import { join } from 'path';
import { FirmwareSchema } from '../../../contracts/src/snapshot';
import { parseDmiFiles } from './parse-dmi-files';
import { parseDmidecode } from './parse-dmidecode';

const dir = join(process.cwd(), 'test/fixtures/dmidecode');
const fixture = (name: string) => readFileSync(join(dir, name), 'utf8');

// Firmware strings per capture; they agree with each fixture's .source.txt description (hw-probe's own summary).
const cases: [string, Record<string, string | undefined>, string[]][] = [
  ['2288h_v5_94600f3c6456.dmidecode.txt', { biosVendor: 'INSYDE Corp.', biosVersion: '7.93', biosDate: '01/14/2021', biosRelease: '7.93', sysVendor: 'Huawei', productName: '2288H V5', boardVendor: 'Huawei', boardName: 'BC11SPSCB0' }, []],
  // SMBIOS 2.4-era BIOS: no "BIOS Revision" line, so no biosRelease. The UUID line was replaced by a bare hash
  // by hw-probe; it has no key, so productUuid is absent rather than guessed.
  ['g31_s3g_7d53880f41a0.dmidecode.txt', { biosVendor: 'Award Software International, Inc.', biosVersion: 'F3', biosDate: '02/13/2009', biosRelease: undefined, sysVendor: 'Gigabyte Technology Co., Ltd.', productName: 'G31-S3G', boardVendor: 'Gigabyte Technology Co., Ltd.', boardName: 'G31-S3G' }, ['DMI_PLACEHOLDER']],
  ['laptop_13_00d34731ef59.dmidecode.txt', { biosVendor: 'INSYDE Corp.', biosVersion: '03.03', biosDate: '10/17/2023', biosRelease: '3.3', sysVendor: 'Framework', productName: 'Laptop 13 (AMD Ryzen 7040Series)', boardVendor: 'Framework', boardName: 'FRANMDCP07' }, []],
  ['macbookpro11_1_03e981ad2d1e.dmidecode.txt', { biosVendor: 'Apple Inc.', biosVersion: '429.0.0.0.0', biosDate: '12/02/2020', biosRelease: '0.1', sysVendor: 'Apple Inc.', productName: 'MacBookPro11,1', boardVendor: 'Apple Inc.', boardName: 'Mac-189A3D4F975D5FFC' }, []],
  ['nuc5i3ryk_35a3db36da1e.dmidecode.txt', { biosVendor: 'Intel Corporation', biosVersion: 'RYBDWi35.86A.0350.2015.0812.1722', biosDate: '08/12/2015', biosRelease: '5.6', sysVendor: 'Intel', productName: 'NUC5i3RYK', boardVendor: 'Intel Corporation', boardName: 'NUC5i3RYB' }, ['DMI_PLACEHOLDER']],
  // short 8-byte base board form (DMI type 2, 8 bytes)
  ['poweredge_r730_1b371d2a39c6.dmidecode.txt', { biosVendor: 'Dell Inc.', biosVersion: '2.4.3', biosDate: '01/17/2017', biosRelease: '2.4', sysVendor: 'Dell Inc.', productName: 'PowerEdge R730', boardVendor: 'Dell Inc.', boardName: '0WCJNT' }, []],
  ['prime_b450_plus_00e1ccad73c6.dmidecode.txt', { biosVendor: 'American Megatrends Inc.', biosVersion: '2008', biosDate: '12/06/2019', biosRelease: '5.13', sysVendor: 'System manufacturer', productName: 'System Product Name', boardVendor: 'ASUSTeK COMPUTER INC.', boardName: 'PRIME B450-PLUS' }, ['DMI_PLACEHOLDER', 'DMI_PLACEHOLDER', 'DMI_PLACEHOLDER', 'DMI_PLACEHOLDER', 'DMI_PLACEHOLDER']],
  // type 0 is not the first structure in this file
  ['proliant_dl380_gen9_06ba04a68e9c.dmidecode.txt', { biosVendor: 'HP', biosVersion: 'P89', biosDate: '10/25/2017', biosRelease: '2.52', sysVendor: 'HP', productName: 'ProLiant DL380 Gen9', boardVendor: 'HP', boardName: 'ProLiant DL380 Gen9' }, []],
  // no type 2 at all ("board ? ?" in the source description)
  ['proliant_microserver_gen8_2055a18fadaa.dmidecode.txt', { biosVendor: 'HP', biosVersion: 'J06', biosDate: '04/04/2019', biosRelease: undefined, sysVendor: 'HP', productName: 'ProLiant MicroServer Gen8', boardVendor: undefined, boardName: undefined }, ['DMIDECODE_SECTION_MISSING']],
  // type 1 and 2 come before type 0 (QEMU/EDK II)
  ['standard_pc_418878f10378.dmidecode.txt', { biosVendor: 'EDK II', biosVersion: 'unknown', biosDate: '2/2/2022', biosRelease: '0.0', sysVendor: 'QEMU', productName: 'Standard PC (Q35 + ICH9, 2009)', boardVendor: 'Canonical Ltd.', boardName: 'LXD' }, ['DMI_PLACEHOLDER']],
  ['super_server_007236a7eb64.dmidecode.txt', { biosVendor: 'American Megatrends Inc.', biosVersion: '2.1', biosDate: '06/15/2018', biosRelease: '5.12', sysVendor: 'Supermicro', productName: 'Super Server', boardVendor: 'Supermicro', boardName: 'X11DPL-i' }, ['DMI_PLACEHOLDER', 'DMI_PLACEHOLDER', 'DMI_PLACEHOLDER']],
  // inner space kept: only the ends are trimmed
  ['thinkpad_t480_20l50000ix_e250ca2d36c7.dmidecode.txt', { biosVendor: 'LENOVO', biosVersion: 'N24ET69W (1.44 )', biosDate: '05/25/2022', biosRelease: '1.44', sysVendor: 'LENOVO', productName: '20L50000IX', boardVendor: 'LENOVO', boardName: '20L50000IX' }, []],
  ['x570_aorus_elite_wifi_0d5892631a18.dmidecode.txt', { biosVendor: 'American Megatrends International, LLC.', biosVersion: 'F33c', biosDate: '02/17/2021', biosRelease: '5.17', sysVendor: 'Gigabyte Technology Co., Ltd.', productName: 'X570 AORUS ELITE WIFI', boardVendor: 'Gigabyte Technology Co., Ltd.', boardName: 'X570 AORUS ELITE WIFI' }, ['DMI_PLACEHOLDER', 'DMI_PLACEHOLDER', 'DMI_PLACEHOLDER']],
];

describe(parseDmidecode.name, () => {
  it('covers every dmidecode fixture', () => {
    expect(readdirSync(dir).filter((f) => !f.endsWith('.source.txt')).sort()).toEqual(cases.map((c) => c[0]).sort());
  });

  it.each(cases)('%s', (file, firmware, codes) => {
    const r = parseDmidecode(fixture(file));
    const expected = Object.fromEntries(Object.entries(firmware).filter(([, v]) => v !== undefined));
    expect(r.firmware).toEqual(expected);
    expect(FirmwareSchema.strict().parse(r.firmware)).toEqual(expected);
    expect(r.findings.map((f) => f.code)).toEqual(codes);
  });

  it('reads other identity fields; "Not Specified" and whitespace-only values are absent; hashed serials pass through', () => {
    const r730 = parseDmidecode(fixture('poweredge_r730_1b371d2a39c6.dmidecode.txt'));
    expect(r730).toMatchObject({ productSku: 'SKU=NotProvided;ModelName=PowerEdge R730', boardVersion: 'A06', chassisType: 'Rack Mount Chassis', productSerial: '--', boardSerial: '--' });
    expect(r730.productVersion).toBeUndefined(); // "Version: Not Specified"
    const g31 = parseDmidecode(fixture('g31_s3g_7d53880f41a0.dmidecode.txt'));
    expect(g31.productVersion).toBeUndefined(); // "Version:  " (whitespace only)
    expect(g31.productSku).toBeUndefined();
    expect(g31.boardVersion).toBe('x.x');
    expect(g31.productUuid).toBeUndefined();
    const prime = parseDmidecode(fixture('prime_b450_plus_00e1ccad73c6.dmidecode.txt'));
    expect(prime.findings[0]).toEqual({ code: 'DMI_PLACEHOLDER', severity: 'info', message: 'sysVendor is the vendor placeholder "System manufacturer", not real identity data.', evidence: [{ source: 'dmidecode.txt', line: expect.any(Number), text: 'System manufacturer' }] });
  });

  it('reads quiet (-q) output without Handle lines', () => {
    const r = parseDmidecode('BIOS Information\n\tVendor: Dell Inc.\n\tVersion: 2.4.3\n\nSystem Information\n\tManufacturer: Dell Inc.\n\tProduct Name: PowerEdge R730\n');
    expect(r.firmware).toEqual({ biosVendor: 'Dell Inc.', biosVersion: '2.4.3', sysVendor: 'Dell Inc.', productName: 'PowerEdge R730' });
  });

  it('never throws on random text, truncations and shuffles; 1-2 MB in bounded time', () => {
    fc.assert(fc.property(fc.string({ unit: 'grapheme', maxLength: 300 }), (s) => expect(typeof parseDmidecode(s).firmware).toBe('object')));
    for (const [file] of cases.slice(0, 4)) {
      const text = fixture(file);
      fc.assert(fc.property(fc.nat(text.length), (n) => expect(() => FirmwareSchema.parse(parseDmidecode(text.slice(0, n)).firmware)).not.toThrow()), { numRuns: 30 });
      fc.assert(fc.property(fc.shuffledSubarray(text.split('\n')), (l) => expect(() => FirmwareSchema.parse(parseDmidecode(l.join('\n')).firmware)).not.toThrow()), { numRuns: 30 });
    }
    const big = fixture('proliant_dl380_gen9_06ba04a68e9c.dmidecode.txt').repeat(40);
    const t = performance.now();
    expect(parseDmidecode(big).firmware.biosVersion).toBe('P89');
    parseDmidecode('\tVendor:' + ' '.repeat(1_500_000));
    parseDmidecode('Handle 0x0000, DMI type 0, 24 bytes\nBIOS Information\n\tVersion: ' + 'x'.repeat(1_500_000));
    expect(performance.now() - t).toBeLessThan(5000);
  });
});

describe(parseDmiFiles.name, () => {
  it('reads /sys/class/dmi/id files: trims, drops empty, flags placeholders, translates chassis_type', () => {
    const r = parseDmiFiles({
      'dmi/bios_vendor': 'Dell Inc.\n', bios_version: '2.4.3\n', bios_date: '01/17/2017\n', bios_release: '2.4\n',
      board_vendor: 'Dell Inc.\n', board_name: '0WCJNT\n', sys_vendor: 'Dell Inc.\n', product_name: 'PowerEdge R730\n',
      product_version: '   \n', board_version: 'A06\n', chassis_type: '23\n', product_serial: 'a3f5c0de\n', product_family: 'To be filled by O.E.M.\n',
    });
    expect(r.firmware).toEqual({ biosVendor: 'Dell Inc.', biosVersion: '2.4.3', biosDate: '01/17/2017', biosRelease: '2.4', boardVendor: 'Dell Inc.', boardName: '0WCJNT', sysVendor: 'Dell Inc.', productName: 'PowerEdge R730' });
    expect(r).toMatchObject({ boardVersion: 'A06', chassisType: 'Rack Mount Chassis', chassisTypeCode: 23, productSerial: 'a3f5c0de', productFamily: 'To be filled by O.E.M.' });
    expect(r.productVersion).toBeUndefined();
    expect(r.findings).toEqual([{ code: 'DMI_PLACEHOLDER', severity: 'info', message: 'productFamily is the vendor placeholder "To be filled by O.E.M.", not real identity data.', evidence: [{ source: 'dmi/product_family', text: 'To be filled by O.E.M.' }] }]);
  });

  it('agrees with dmidecode on the same machine', () => {
    const fromDmidecode = parseDmidecode(fixture('thinkpad_t480_20l50000ix_e250ca2d36c7.dmidecode.txt')).firmware;
    const fromSysfs = parseDmiFiles({ bios_vendor: 'LENOVO\n', bios_version: 'N24ET69W (1.44 )\n', bios_date: '05/25/2022\n', bios_release: '1.44\n', board_vendor: 'LENOVO\n', board_name: '20L50000IX\n', sys_vendor: 'LENOVO\n', product_name: '20L50000IX\n' }).firmware;
    expect(fromSysfs).toEqual(fromDmidecode);
  });

  it('cuts values to the contract limits and never throws', () => {
    const r = parseDmiFiles({ bios_date: 'x'.repeat(100), bios_vendor: 'v'.repeat(300) });
    expect(FirmwareSchema.parse(r.firmware)).toEqual({ biosDate: 'x'.repeat(64), biosVendor: 'v'.repeat(256) });
    expect(r.findings.map((f) => f.code)).toEqual(['DMI_VALUE_TOO_LONG', 'DMI_VALUE_TOO_LONG']);
    fc.assert(fc.property(fc.dictionary(fc.constantFrom('bios_vendor', 'bios_date', 'chassis_type', 'board_name', 'x'), fc.string()), (files) => {
      expect(() => FirmwareSchema.strict().parse(parseDmiFiles(files).firmware)).not.toThrow();
    }));
  });
});
