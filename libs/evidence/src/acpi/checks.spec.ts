import { describe, expect, it } from '@jest/globals';
import { bytesFromBase64, bytesFromHex, decodeAcpiTable, tableFromIaslText, tableSha256, tablesFromAcpidump } from './index';
import { andd, dmarFixed, drhd, ivhd10, ivmd, ivrsFixed, rhsa, rmrr, scope, special, table } from './testing.helper';

// Each validity check of evidence-spec §4 on a table that is well-formed except for the one defect.
const codes = (bytes: Uint8Array, ctx = {}) => decodeAcpiTable(bytes, ctx).findings.map((f) => `${f.severity}:${f.code}`);
const ioapic = scope(3, 2, 0, [[0x1e, 7]]);
const good = () => table('DMAR', dmarFixed(), [...drhd(1, 0, 0xfed91000n, ioapic), ...rmrr(0x9c000000n, 0x9e7fffffn, scope(1, 0, 0, [[2, 0]]))]);

describe('checkDmar', () => {
  it('a well-formed table has no findings', () => {
    expect(codes(good())).toEqual([]);
  });
  it('checksum: a flipped byte is an error; truncation and trailing bytes are reported', () => {
    const b = good();
    b[60] ^= 1;
    expect(codes(b)).toEqual(['error:DMAR_CHECKSUM']);
    expect(codes(good().subarray(0, 70))).toEqual(['error:DMAR_TRUNCATED', 'error:DMAR_RECORD_PAST_END']);
    expect(codes(Uint8Array.from([...good(), 0, 0]))).toEqual(['info:DMAR_TRAILING_BYTES']);
  });
  it('length < 48 and zero-length or short structures are errors', () => {
    expect(codes(table('DMAR', [38, 1], []))).toEqual(['error:DMAR_TOO_SHORT', 'error:DMAR_LENGTH_INVALID', 'error:DMAR_NO_DRHD']);
    const zero = [0, 0, 0, 0];
    expect(codes(table('DMAR', dmarFixed(), [...drhd(1, 0, 0xfed91000n, ioapic), ...zero]))).toEqual(['error:DMAR_RECORD_TOO_SHORT']);
    const shortRmrr = [1, 0, 16, 0, ...new Array<number>(12).fill(0)];
    expect(codes(table('DMAR', dmarFixed(), [...drhd(1, 0, 0xfed91000n, ioapic), ...shortRmrr]))).toEqual(['error:DMAR_RECORD_TOO_SHORT']);
    const badScope = [3, 3, 0, 0, 2, 0];
    expect(codes(table('DMAR', dmarFixed(), drhd(1, 0, 0xfed91000n, badScope)))).toContain('error:DMAR_SCOPE_LENGTH_INVALID');
  });
  it('HAW 0 and HAW < 11 are errors', () => {
    expect(codes(table('DMAR', dmarFixed(0), drhd(1, 0, 0xfed91000n, ioapic)))).toEqual(['error:DMAR_HAW_ZERO']);
    expect(codes(table('DMAR', dmarFixed(10), drhd(1, 0, 0xfed91000n, ioapic)))).toEqual(['error:DMAR_HAW_INVALID']);
    expect(codes(table('DMAR', dmarFixed(11), drhd(1, 0, 0xfed91000n, ioapic)))).toEqual([]);
  });
  it('no DRHD, base 0 and base all-ones are errors', () => {
    expect(codes(table('DMAR', dmarFixed(), rmrr(0x9c000000n, 0x9c000fffn)))).toEqual(['error:DMAR_NO_DRHD']);
    expect(codes(table('DMAR', dmarFixed(), drhd(1, 0, 0xffffffffffffffffn, ioapic)))).toEqual(['error:DMAR_DRHD_BASE_ALL_ONES']);
  });
  it('INCLUDE_PCI_ALL: missing for a segment is a warning, two in one segment an error', () => {
    expect(codes(table('DMAR', dmarFixed(), drhd(0, 0, 0xfed91000n, ioapic)))).toEqual(['warning:DMAR_NO_INCLUDE_PCI_ALL']);
    expect(codes(table('DMAR', dmarFixed(), [...drhd(1, 0, 0xfed91000n, ioapic), ...drhd(1, 0, 0xfed92000n)]))).toEqual(['error:DMAR_MULTIPLE_INCLUDE_PCI_ALL']);
    expect(codes(table('DMAR', dmarFixed(), [...drhd(1, 0, 0xfed91000n, ioapic), ...drhd(1, 1, 0xfed92000n)]))).toEqual([]);
  });
  it('RMRR: misaligned, end below base, overlapping, and (with an E820 map) not reserved', () => {
    const d = drhd(1, 0, 0xfed91000n, ioapic);
    expect(codes(table('DMAR', dmarFixed(), [...d, ...rmrr(0x9c000800n, 0x9c001fffn)]))).toEqual(['error:DMAR_RMRR_UNALIGNED']);
    expect(codes(table('DMAR', dmarFixed(), [...d, ...rmrr(0x9c002000n, 0x9c000fffn)]))).toEqual(['error:DMAR_RMRR_END_BEFORE_BASE']);
    // A long RMRR overlapping two shorter, disjoint ones is caught for both.
    const three = [...d, ...rmrr(0x1000n, 0x9fffn), ...rmrr(0x2000n, 0x2fffn), ...rmrr(0x5000n, 0x5fffn)];
    const f = decodeAcpiTable(table('DMAR', dmarFixed(), three)).findings;
    expect(f.map((x) => [x.code, x.evidence!.map((e) => e.field)])).toEqual([
      ['DMAR_RMRR_OVERLAP', ['RMRR[0]', 'RMRR[1]']],
      ['DMAR_RMRR_OVERLAP', ['RMRR[0]', 'RMRR[2]']],
    ]);
    const e820 = [
      { start: 0n, end: 0x9c000000n, type: 'usable' },
      { start: '0x9c000000', end: '0x9d000000', type: 'reserved' },
      { start: 0x9d000000, end: 0x9f000000, type: 'ACPI NVS' },
    ];
    expect(codes(good(), { e820 })).toEqual([]);
    expect(codes(good(), { e820: e820.slice(0, 2) })).toEqual(['warning:DMAR_RMRR_NOT_RESERVED']);
  });
  it('RHSA naming no DRHD is a warning; an unterminated ANDD name an error', () => {
    const d = drhd(1, 0, 0xfed91000n, ioapic);
    expect(codes(table('DMAR', dmarFixed(), [...d, ...rhsa(0xfed91000n, 0)]))).toEqual([]);
    expect(codes(table('DMAR', dmarFixed(), [...d, ...rhsa(0xfed99000n, 1)]))).toEqual(['warning:DMAR_RHSA_NO_DRHD']);
    const name = [...'\\_SB.PCI0.UAR1'].map((c) => c.charCodeAt(0));
    const ok = decodeAcpiTable(table('DMAR', dmarFixed(), [...d, ...andd(1, [...name, 0])]));
    expect(ok.findings).toEqual([]);
    expect(ok.kind === 'DMAR' && ok.table.structures[1]).toMatchObject({ type: 'ANDD', deviceNumber: 1, name: '\\_SB.PCI0.UAR1', nameTerminated: true });
    expect(codes(table('DMAR', dmarFixed(), [...d, ...andd(1, name)]))).toEqual(['error:DMAR_ANDD_NAME_UNTERMINATED']);
  });
  it('IO-APIC coverage: an MADT IO-APIC missing from every DRHD scope is an error; INTR_REMAP without any IOAPIC scope too', () => {
    expect(codes(good(), { ioapicIds: [2] })).toEqual([]);
    const f = decodeAcpiTable(good(), { ioapicIds: [2, 3], source: 'acpi/RMAD' }).findings;
    expect(f).toEqual([expect.objectContaining({ code: 'DMAR_IOAPIC_NOT_IN_SCOPE', severity: 'error', evidence: [{ source: 'acpi/RMAD', field: 'DRHD' }] })]);
    expect(codes(table('DMAR', dmarFixed(38, 1), drhd(1, 0, 0xfed91000n)))).toEqual(['error:DMAR_NO_IOAPIC_SCOPE']);
  });
  it('unknown structure types are skipped with an info finding, and SATC/SIDP are decoded', () => {
    const satc = [5, 0, 16, 0, 1, 0, 0, 0, ...scope(1, 0, 0, [[2, 0]])];
    const sidp = [6, 0, 8, 0, 0, 0, 0, 0];
    const r = decodeAcpiTable(table('DMAR', dmarFixed(), [...drhd(1, 0, 0xfed91000n, ioapic), ...satc, ...sidp, 9, 0, 4, 0]));
    expect(r.findings.map((x) => x.code)).toEqual(['DMAR_UNKNOWN_STRUCTURE']);
    expect(r.kind === 'DMAR' && r.table.structures.map((s) => s.type)).toEqual(['DRHD', 'SATC', 'SIDP', 'UNKNOWN']);
  });
});

const ivrs = (entries: number[], extra: number[] = []) => table('IVRS', ivrsFixed(), [...ivhd10(0xfeb80000n, entries), ...extra], 2);
const sb = special(0, 0x00a0, 1);

describe('checkIvrs', () => {
  it('a table with the southbridge IO-APIC at 00:14.0 has no findings', () => {
    expect(codes(ivrs([1, 0, 0, 0, ...sb]))).toEqual([]);
  });
  it('no IVHD, base 0 and all-ones, a block past the end', () => {
    expect(codes(table('IVRS', ivrsFixed(), ivmd(0x20, 1, 0x1000n, 0x1000n)))).toEqual(['error:IVRS_NO_IVHD']);
    expect(codes(table('IVRS', ivrsFixed(), ivhd10(0n, sb)))).toEqual(['error:IVRS_IVHD_BASE_ZERO']);
    expect(codes(table('IVRS', ivrsFixed(), ivhd10(0xffffffffffffffffn, sb)))).toEqual(['error:IVRS_IVHD_BASE_ALL_ONES']);
    const b = ivrs(sb);
    b[50] = 0x40; // IVHD length 64 > what remains
    expect(codes(b)).toContain('error:IVRS_RECORD_PAST_END');
  });
  it('an IO-APIC that is not the southbridge one, or none at all, breaks interrupt remapping', () => {
    expect(codes(ivrs([...special(0, 0x00a0, 2), ...special(5, 0x0001, 1)]))).toEqual(['error:IVRS_NO_SOUTHBRIDGE_IOAPIC']);
    const f = decodeAcpiTable(ivrs([...special(0, 0x00a0, 2), ...special(5, 0x0001, 1)])).findings[0]!;
    expect(f.message).toContain('No IVHD has an IOAPIC special entry for the southbridge IO-APIC 00:14.0');
    expect(codes(ivrs(sb), { ioapicIds: [0, 1] })).toEqual(['error:IVRS_IOAPIC_NOT_IN_IVRS']);
  });
  it('IVMD overlaps warn; unterminated ranges warn', () => {
    const m = [...ivmd(0x20, 1, 0x10000n, 0x4000n), ...ivmd(0x21, 1, 0x12000n, 0x1000n)];
    expect(codes(ivrs(sb, m))).toEqual(['warning:IVRS_IVMD_OVERLAP']);
    expect(codes(ivrs(sb, m), { e820: [{ start: 0, end: 0x20000, type: 'reserved' }] })).toEqual(['warning:IVRS_IVMD_OVERLAP']);
    expect(codes(ivrs(sb, m), { e820: [{ start: 0, end: 0x20000, type: 'usable' }] })).toEqual(['warning:IVRS_IVMD_NOT_RESERVED', 'warning:IVRS_IVMD_NOT_RESERVED', 'warning:IVRS_IVMD_OVERLAP']);
    expect(codes(ivrs([3, 8, 0, 0, ...sb]))).toEqual(['warning:IVRS_RANGE_UNTERMINATED']);
  });
  it('a device entry running past its IVHD is an error', () => {
    expect(codes(ivrs([...sb, 0x80, 0, 0, 0]))).toEqual(['error:IVRS_RECORD_PAST_END']);
  });
});

describe('text extraction and hashing', () => {
  it('reads acpidump blocks, including several tables, ignoring the ASCII column', () => {
    const d = good();
    const dump = (sig: string, b: Uint8Array) =>
      `${sig} @ 0x00000000bf7e2000\n` +
      Array.from({ length: Math.ceil(b.length / 16) }, (_, i) => `  ${(i * 16).toString(16).padStart(4, '0')}: ${Array.from(b.subarray(i * 16, i * 16 + 16), (x) => x.toString(16).toUpperCase().padStart(2, '0')).join(' ').padEnd(47)}  AB CD EF 12 34..\n`).join('') +
      '\n';
    const i = ivrs(sb);
    const tables = tablesFromAcpidump(`${dump('DMAR', d)}${dump('IVRS', i)}`);
    expect(tables.map((t) => [t.signature, t.address])).toEqual([['DMAR', '0x00000000bf7e2000'], ['IVRS', '0x00000000bf7e2000']]);
    expect(tables[0]!.bytes).toEqual(d);
    expect(tables[1]!.bytes).toEqual(i);
  });
  it('a mail-truncated iasl dump is flagged', () => {
    const r = tableFromIaslText('Raw Table Data: Length 64 (0x40)\n\n    0000: 44 4D 41 52 40 00 00 00 01 C3 4C 45 4E 4F 56 4F  // DMAR@...LENOVO\n')!;
    expect(r.signature).toBe('DMAR');
    expect(r.findings.map((f) => [f.code, f.severity])).toEqual([['ACPI_DUMP_LENGTH_MISMATCH', 'error']]);
    expect(tableFromIaslText('no dump here')).toBeUndefined();
  });
  it('hex and base64 helpers', () => {
    expect(Array.from(bytesFromHex('0x44 4d41 52zz'))).toEqual([0x44, 0x4d, 0x41, 0x52]);
    expect(bytesFromBase64('base64:' + Buffer.from(good()).toString('base64'))).toEqual(good());
  });
  it('tableSha256 hashes the firmware bytes: RMAD and XMAR renamings hash like the DMAR they came from', () => {
    const d = good();
    const rmad = Uint8Array.from(d);
    rmad.set([0x52, 0x4d, 0x41, 0x44], 0);
    const xmar = Uint8Array.from(d);
    xmar[0] = 0x58;
    xmar[9] = (xmar[9]! - 0x14) & 0xff;
    const h = tableSha256(d);
    expect(h).toMatch(/^[0-9a-f]{64}$/);
    expect(tableSha256(rmad)).toBe(h);
    expect(tableSha256(xmar)).toBe(h);
    expect(tableSha256(Uint8Array.from([...d, 0xff]))).toBe(h);
    expect(tableSha256(ivrs(sb))).not.toBe(h);
  });
});
