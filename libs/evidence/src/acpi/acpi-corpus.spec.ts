import { describe, expect, it } from '@jest/globals';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { decodeAcpiTable, tableFromIaslText } from './index';
import type { DmarTable, IvrsTable } from './index';

// Fixtures: test/fixtures/acpi/*.txt, copied from ../shared/corpus/E_acpi_dmar_ivrs with their .source.txt notes.
// The hex dump ("Raw Table Data") is the truth. OEM strings end at the first NUL, so they can be shorter than
// the space-padded ones in each .source.txt table-list line (X10DAi "A M I " is 41 20 4D 20 49 20 00 00).
const DIR = join(process.cwd(), 'test/fixtures/acpi');
const load = (name: string) => {
  const t = tableFromIaslText(readFileSync(join(DIR, name), 'utf8'), `acpi/${name}`);
  if (!t) throw new Error(`no raw table data in ${name}`);
  return t;
};
const errors = (findings: { severity: string; code: string }[]) => findings.filter((f) => f.severity === 'error').map((f) => f.code);

interface DmarExpect {
  file: string;
  oem: [string, string, number];
  length: number;
  haw: number;
  flags: number;
  structures: string;
  drhdBases: string[];
  includePciAll: boolean[];
  rmrrs: [string, string][];
  ioapicScopes: number[];
  errorCodes: string[];
}

const DMAR: DmarExpect[] = [
  { file: 'dell_poweredge_r820.dmar.txt', oem: ['DELL  ', 'PE_SC3  ', 1], length: 400, haw: 46, flags: 3, structures: 'DRHD DRHD DRHD DRHD RMRR RMRR RMRR ATSR', drhdBases: ['0xcf000000', '0xc8000000', '0xc4000000', '0xdf100000'], includePciAll: [false, false, false, true], rmrrs: [['0xbf458000', '0xbf46ffff'], ['0xbf450000', '0xbf450fff'], ['0xbf452000', '0xbf452fff']], ioapicScopes: [2, 3, 4, 0, 1], errorCodes: [] },
  { file: 'dell_precision_t3500.dmar.txt', oem: ['DELL  ', 'B10K   ', 0x15], length: 184, haw: 36, flags: 0, structures: 'DRHD RMRR ATSR', drhdBases: ['0xfedc0000'], includePciAll: [true], rmrrs: [['0xdfe58000', '0xdfe6ffff']], ioapicScopes: [], errorCodes: [] },
  { file: 'dell_xps_8940.dmar.txt', oem: ['INTEL ', 'EDK2    ', 2], length: 168, haw: 39, flags: 1, structures: 'DRHD DRHD RMRR RMRR', drhdBases: ['0xfed90000', '0xfed91000'], includePciAll: [false, true], rmrrs: [['0x92761000', '0x929aafff'], ['0x9c000000', '0x9e7fffff']], ioapicScopes: [2], errorCodes: [] },
  // Source note: "BROKEN-ish: contains an RMRR with base 0 and end 0" -> unaligned end+1 and end <= base.
  { file: 'hp_compaq_6730b_BROKEN.dmar.txt', oem: ['      ', '.', 1], length: 248, haw: 36, flags: 0, structures: 'DRHD DRHD DRHD RMRR RMRR', drhdBases: ['0xfeb03000', '0xfeb01000', '0xfeb02000'], includePciAll: [false, false, true], rmrrs: [['0x0', '0x0'], ['0xbbc00000', '0xbfffffff']], ioapicScopes: [], errorCodes: ['DMAR_RMRR_UNALIGNED', 'DMAR_RMRR_END_BEFORE_BASE'] },
  { file: 'hp_proliant_dl380e_gen8.dmar.txt', oem: ['HP    ', 'ProLiant', 1], length: 1286, haw: 46, flags: 3, structures: 'DRHD DRHD RMRR RMRR RMRR RMRR RMRR RMRR RMRR RMRR RMRR ATSR ATSR', drhdBases: ['0xfbefe000', '0xbeffe000'], includePciAll: [false, true], rmrrs: [['0x7dffd000', '0x7dffffff'], ['0x7dff6000', '0x7dffcfff'], ['0x7df83000', '0x7df84fff'], ['0x7df7f000', '0x7df82fff'], ['0x7df6f000', '0x7df7efff'], ['0x79f6f000', '0x7df6efff'], ['0x75f6f000', '0x79f6efff'], ['0xf4000', '0xf4fff'], ['0xe8000', '0xe8fff']], ioapicScopes: [10, 8, 0], errorCodes: [] },
  // Source note: "a DRHD entry has Register Base Address 0".
  { file: 'lenovo_ideapadflex15_20309_BROKEN.dmar.txt', oem: ['LENOVO', 'CB-01   ', 1], length: 136, haw: 39, flags: 0, structures: 'DRHD RMRR RMRR', drhdBases: ['0x0'], includePciAll: [true], rmrrs: [['0x90e11000', '0x90e30fff'], ['0x9b800000', '0x9f9fffff']], ioapicScopes: [], errorCodes: ['DMAR_DRHD_BASE_ZERO'] },
  { file: 'supermicro_x10dai.dmar.txt', oem: ['ALASKA', 'A M I ', 1], length: 344, haw: 46, flags: 1, structures: 'DRHD DRHD DRHD RMRR ATSR RHSA RHSA', drhdBases: ['0xfbffc000', '0xf3ffd000', '0xf3ffc000'], includePciAll: [false, false, true], rmrrs: [['0x7b461000', '0x7b470fff']], ioapicScopes: [3, 1, 2], errorCodes: [] },
];

describe('DMAR corpus', () => {
  it('covers every DMAR fixture', () => {
    expect(readdirSync(DIR).filter((f) => f.endsWith('.dmar.txt')).sort()).toEqual(DMAR.map((d) => d.file).sort());
  });
  it.each(DMAR)('$file', (e) => {
    const raw = load(e.file);
    expect(raw.findings).toEqual([]);
    expect(raw.signature).toBe('DMAR');
    expect(raw.bytes.length).toBe(e.length);
    const r = decodeAcpiTable(raw.bytes);
    expect(r.kind).toBe('DMAR');
    const t = (r as { table: DmarTable }).table;
    expect(t.foundAs).toBe('DMAR');
    expect(t.header.revision).toBe(1);
    expect(t.header.length).toBe(e.length);
    expect(t.checksumValid).toBe(true);
    expect([t.header.oemId, t.header.oemTableId, t.header.oemRevision]).toEqual(e.oem);
    expect(t.hostAddressWidth).toBe(e.haw);
    expect(t.flags.raw).toBe(e.flags);
    expect(t.flags.intrRemap).toBe((e.flags & 1) === 1);
    expect(t.flags.x2apicOptOut).toBe((e.flags & 2) === 2);
    expect(t.structures.map((s) => s.type).join(' ')).toBe(e.structures);
    const drhds = t.structures.flatMap((s) => (s.type === 'DRHD' ? [s] : []));
    expect(drhds.map((d) => d.registerBase)).toEqual(e.drhdBases);
    expect(drhds.map((d) => d.includePciAll)).toEqual(e.includePciAll);
    expect(t.structures.flatMap((s) => (s.type === 'RMRR' ? [[s.baseAddress, s.endAddress]] : []))).toEqual(e.rmrrs);
    expect(drhds.flatMap((d) => d.scopes.filter((s) => s.typeName === 'IOAPIC').map((s) => s.enumId))).toEqual(e.ioapicScopes);
    // Structures tile the table exactly: each starts where the previous ended and the last ends at `length`.
    let o = 48;
    for (const s of t.structures) {
      expect(s.offset).toBe(o);
      o += s.length;
    }
    expect(o).toBe(e.length);
    expect(errors(r.findings).sort()).toEqual([...e.errorCodes].sort());
  });

  it('XPS 8940 iGPU DRHD scopes 00:02.0 and the PCI-ALL unit holds IOAPIC 2 at 00:1e.7 and HPET 0', () => {
    const t = decodeAcpiTable(load('dell_xps_8940.dmar.txt').bytes) as { table: DmarTable };
    const [igpu, all] = t.table.structures.filter((s) => s.type === 'DRHD') as Extract<DmarTable['structures'][number], { type: 'DRHD' }>[];
    expect(igpu!.scopes).toEqual([{ offset: 0x40, type: 1, typeName: 'PCI_ENDPOINT', length: 8, flags: 0, enumId: 0, startBus: 0, path: [{ device: 2, function: 0 }] }]);
    expect(all!.scopes.map((s) => [s.typeName, s.enumId, s.startBus, s.path])).toEqual([
      ['IOAPIC', 2, 0, [{ device: 0x1e, function: 7 }]],
      ['HPET', 0, 0, [{ device: 0x1e, function: 6 }]],
    ]);
  });

  it('X10DAi RHSA entries name existing DRHDs (no RHSA warning) with proximity domains 0 and 1', () => {
    const t = decodeAcpiTable(load('supermicro_x10dai.dmar.txt').bytes);
    const rhsa = (t as { table: DmarTable }).table.structures.flatMap((s) => (s.type === 'RHSA' ? [[s.baseAddress, s.proximityDomain]] : []));
    expect(rhsa).toEqual([['0xf3ffc000', 0], ['0xfbffc000', 1]]);
    expect(t.findings).toEqual([]);
  });

  it('interrupt-remapping-less tables say so at info level (T3500, 6730b, Flex 15: no IOAPIC scope, INTR_REMAP clear)', () => {
    for (const f of ['dell_precision_t3500.dmar.txt', 'hp_compaq_6730b_BROKEN.dmar.txt', 'lenovo_ideapadflex15_20309_BROKEN.dmar.txt']) {
      const r = decodeAcpiTable(load(f).bytes);
      expect(r.findings.filter((x) => x.code === 'DMAR_NO_IOAPIC_SCOPE').map((x) => x.severity)).toEqual(['info']);
    }
  });
});

interface IvrsExpect {
  file: string;
  revision: number;
  oem: [string, string, number];
  length: number;
  ivinfo: number;
  blocks: string;
  bases: string[];
  ioapics: string[];
  errorCodes: string[];
  otherCodes: string[];
}

const IVRS: IvrsExpect[] = [
  { file: 'asus_rog_zenith_ii_extreme_alpha.ivrs.txt', revision: 2, oem: ['AMD  ', 'AmdTable', 1], length: 496, ivinfo: 0x203041, blocks: 'IVHD10 IVHD11 IVHD10 IVHD11 IVHD10 IVHD11 IVHD10 IVHD11', bases: ['0xb3180000', '0xb3180000', '0xb2180000', '0xb2180000', '0xfa600000', '0xfa600000', '0xe2200000', '0xe2200000'], ioapics: ['129@60:00.1', '129@60:00.1', '130@40:00.1', '130@40:00.1', '131@20:00.1', '131@20:00.1', '128@00:14.0', '132@00:00.1', '128@00:14.0', '132@00:00.1'], errorCodes: [], otherCodes: [] },
  { file: 'framework_laptop16.ivrs.txt', revision: 2, oem: ['INSYDE', 'EDK2    ', 1], length: 408, ivinfo: 0x203043, blocks: 'IVHD10 IVHD11 IVHD40', bases: ['0xc0200000', '0xc0200000', '0xc0200000'], ioapics: ['33@00:14.0', '34@00:00.1', '33@00:14.0', '34@00:00.1', '33@00:14.0', '34@00:00.1'], errorCodes: [], otherCodes: [] },
  // Source note: "no IOAPIC special-device (type 48h, variety 1) entry, only HPET".
  { file: 'gigabyte_f2a78m_hd2_BROKEN.ivrs.txt', revision: 2, oem: ['AMD', 'BANTRY  ', 1], length: 104, ivinfo: 0x202840, blocks: 'IVHD10', bases: ['0xfeb80000'], ioapics: [], errorCodes: ['IVRS_NO_SOUTHBRIDGE_IOAPIC'], otherCodes: [] },
  // Block type 51h after the IVHD 40h is unknown to ACPICA too ("**** Unknown IVRS subtable type 0x51").
  { file: 'lenovo_thinkpad_t14_gen3_amd.ivrs.txt', revision: 2, oem: ['LENOVO', 'TP-R23  ', 0x1290], length: 484, ivinfo: 0x203043, blocks: 'IVHD10 IVHD11 IVMD21 IVHD40 UNKNOWN51', bases: ['0xfe000000', '0xfe000000', '0xfe000000'], ioapics: ['32@00:14.0', '33@00:00.1', '32@00:14.0', '33@00:00.1', '32@00:14.0', '33@00:00.1'], errorCodes: [], otherCodes: ['IVRS_UNKNOWN_BLOCK'] },
  { file: 'supermicro_h8dgu.ivrs.txt', revision: 1, oem: ['AMD  ', 'RD890S', 0x202031], length: 176, ivinfo: -1, blocks: 'IVHD10', bases: ['0xf6000000'], ioapics: ['0@00:14.0', '1@00:00.1'], errorCodes: [], otherCodes: [] },
];

describe('IVRS corpus', () => {
  it('covers every IVRS fixture', () => {
    expect(readdirSync(DIR).filter((f) => f.endsWith('.ivrs.txt')).sort()).toEqual(IVRS.map((d) => d.file).sort());
  });
  it.each(IVRS)('$file', (e) => {
    const raw = load(e.file);
    expect(raw.findings).toEqual([]);
    expect(raw.signature).toBe('IVRS');
    const r = decodeAcpiTable(raw.bytes);
    expect(r.kind).toBe('IVRS');
    const t = (r as { table: IvrsTable }).table;
    expect(t.header.revision).toBe(e.revision);
    expect(t.header.length).toBe(e.length);
    expect(t.checksumValid).toBe(true);
    expect([t.header.oemId, t.header.oemTableId, t.header.oemRevision]).toEqual(e.oem);
    if (e.ivinfo >= 0) expect(t.ivinfo.raw).toBe(e.ivinfo);
    expect(t.blocks.map((b) => `${b.family}${b.type.toString(16)}`).join(' ')).toBe(e.blocks);
    const ivhds = t.blocks.flatMap((b) => (b.family === 'IVHD' ? [b] : []));
    expect(ivhds.map((h) => h.mmioBase)).toEqual(e.bases);
    expect(ivhds.flatMap((h) => h.entries.filter((x) => x.kind === 'SPECIAL' && x.varietyName === 'IOAPIC').map((x) => `${x.handle}@${x.specialBdf}`))).toEqual(e.ioapics);
    let o = 48;
    for (const b of t.blocks) {
      expect(b.offset).toBe(o);
      o += b.length;
    }
    expect(o).toBe(e.length);
    for (const h of ivhds) {
      const end = h.entries.at(-1);
      if (end) expect(end.offset + end.length).toBe(h.offset + h.length);
    }
    expect(errors(r.findings)).toEqual(e.errorCodes);
    expect(r.findings.filter((f) => f.severity !== 'error').map((f) => f.code)).toEqual(e.otherCodes);
  });

  it('Gigabyte F2A78M: the only SPECIAL entry is the HPET at 00:14.0, and the finding suggests the ivrs_ioapic override', () => {
    const r = decodeAcpiTable(load('gigabyte_f2a78m_hd2_BROKEN.ivrs.txt').bytes, { source: 'acpi/IVRS' });
    const ivhd = (r as { table: IvrsTable }).table.blocks[0]!;
    expect(ivhd.family === 'IVHD' && ivhd.entries.map((x) => x.kind)).toEqual(['START', 'END', 'ALIAS_START', 'END', 'PAD', 'SPECIAL']);
    expect(ivhd.family === 'IVHD' && ivhd.entries[5]).toMatchObject({ varietyName: 'HPET', handle: 0, specialBdf: '00:14.0' });
    const f = r.findings.find((x) => x.code === 'IVRS_NO_SOUTHBRIDGE_IOAPIC')!;
    expect(f.message).toContain('ivrs_ioapic[<id>]=00:14.0');
    expect(f.message).toContain('BIOS update');
    expect(f.evidence).toEqual([{ source: 'acpi/IVRS', field: 'IVHD[0].deviceEntries' }]);
    // With the MADT's IO-APIC ID known, the override names it.
    const withIds = decodeAcpiTable(load('gigabyte_f2a78m_hd2_BROKEN.ivrs.txt').bytes, { ioapicIds: [2] });
    expect(withIds.findings.map((x) => x.code)).toEqual(['IVRS_NO_SOUTHBRIDGE_IOAPIC', 'IVRS_IOAPIC_NOT_IN_IVRS']);
    expect(withIds.findings[0]!.message).toContain('ivrs_ioapic[2]=00:14.0');
  });

  it('Framework 16 IVHD 40h carries ACPI HID entries AMDI0020 \\_SB.FUR0..3 and an EFR image', () => {
    const t = (decodeAcpiTable(load('framework_laptop16.ivrs.txt').bytes) as { table: IvrsTable }).table;
    const h40 = t.blocks.find((b) => b.type === 0x40)!;
    if (h40.family !== 'IVHD') throw new Error('not IVHD');
    expect(h40.entries.filter((x) => x.kind === 'ACPI_HID').map((x) => [x.hid, x.cid, x.uid, x.length, x.bdf])).toEqual(
      [0, 1, 2, 3].map((i) => ['AMDI0020', '', `\\_SB.FUR${i}`, 31, '00:14.5']),
    );
    expect(h40.efr).toBe('0x246577efa2054ada');
    expect(t.ivinfo).toEqual({ raw: 0x203043, efrSupported: true, dmaRemapSupport: true, gvaSize: 2, physicalAddressSize: 0x30, virtualAddressSize: 0x40 });
  });

  it('T14 Gen 3 IVMD 21h is an exclusion range for device 03:00.0', () => {
    const t = (decodeAcpiTable(load('lenovo_thinkpad_t14_gen3_amd.ivrs.txt').bytes) as { table: IvrsTable }).table;
    const m = t.blocks.find((b) => b.family === 'IVMD')!;
    expect(m).toMatchObject({ type: 0x21, devid: 0x300, exclusionRange: true, unity: false, startAddress: '0x7132f000', memoryLength: '0x26000' });
  });
});
