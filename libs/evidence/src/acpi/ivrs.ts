import type { Finding } from '../common';
import { asciiField, formatBdf, hex64, u16, u32, u64, u8 } from './bytes';
import { checkFrame, decodeAcpiHeader } from './header';
import type { IvhdDeviceEntry, IvhdEntryKind, IvrsBlock } from './ivrs.types';
import type { IvrsTable } from './ivrs.types';
import { findingSink } from './sink';

/** Length of the IVRS fixed part: ACPI header, IVinfo, 8 reserved bytes. */
export const IVRS_FIXED_LENGTH = 48;

/** IVHD header length by block type: 24 for 10h, 40 for 11h and 40h (EFR image + EFR2/reserved). */
export const IVHD_HEADER_LENGTH: Record<number, number> = { 0x10: 24, 0x11: 40, 0x40: 40 };

/** IVMD blocks (20h, 21h, 22h) are exactly 32 bytes. */
export const IVMD_LENGTH = 32;

const ENTRY_KINDS: Record<number, IvhdEntryKind> = { 0: 'PAD', 1: 'ALL', 2: 'SELECT', 3: 'START', 4: 'END', 0x42: 'ALIAS_SELECT', 0x43: 'ALIAS_START', 0x46: 'EXT_SELECT', 0x47: 'EXT_START', 0x48: 'SPECIAL', 0xf0: 'ACPI_HID' };

/** Decode IVHD device entries in `[start, end)`; an entry running past the block end stops the walk with a finding. */
function decodeEntries(b: Uint8Array, start: number, end: number, field: string, source: string, push: (f: Finding) => void): IvhdDeviceEntry[] {
  const entries: IvhdDeviceEntry[] = [];
  let o = start;
  while (o < end) {
    const type = u8(b, o);
    let length = 4 << (type >> 6);
    if (type === 0xf0) length = 22 + u8(b, o + 21);
    const f = `${field}.deviceEntries[${entries.length}]`;
    if (o + length > end) {
      push({ code: 'IVRS_RECORD_PAST_END', severity: 'error', message: `IVHD device entry type 0x${type.toString(16)} at offset 0x${o.toString(16)} (length ${length}) runs past the end of its block at 0x${end.toString(16)}.`, evidence: [{ source, field: f }] });
      break;
    }
    const devid = u16(b, o + 1);
    const kind = ENTRY_KINDS[type] ?? 'UNKNOWN';
    const e: IvhdDeviceEntry = { offset: o, type, kind, length, devid, bdf: formatBdf(devid), data: u8(b, o + 3) };
    if (kind === 'ALIAS_SELECT' || kind === 'ALIAS_START') e.aliasDevid = u16(b, o + 5);
    else if (kind === 'EXT_SELECT' || kind === 'EXT_START') e.extData = u32(b, o + 4);
    else if (kind === 'SPECIAL') {
      e.handle = u8(b, o + 4);
      e.specialDevid = u16(b, o + 5);
      e.specialBdf = formatBdf(e.specialDevid);
      e.variety = u8(b, o + 7);
      e.varietyName = e.variety === 1 ? 'IOAPIC' : e.variety === 2 ? 'HPET' : 'UNKNOWN';
    } else if (kind === 'ACPI_HID') {
      e.hid = asciiField(b, o + 4, 8);
      e.cid = asciiField(b, o + 12, 8);
      const fmt = u8(b, o + 20);
      const len = u8(b, o + 21);
      if (fmt === 2) e.uid = asciiField(b, o + 22, len);
      else if (fmt === 1 && len > 0) {
        let v = 0n;
        for (let i = Math.min(len, 8) - 1; i >= 0; i--) v = (v << 8n) | BigInt(u8(b, o + 22 + i));
        e.uid = v.toString();
      } else e.uid = '';
    } else if (kind === 'UNKNOWN') {
      push({ code: 'IVRS_UNKNOWN_DEVICE_ENTRY', severity: 'info', message: `Unknown IVHD device entry type 0x${type.toString(16)} at offset 0x${o.toString(16)} skipped by its ${length}-byte size.`, evidence: [{ source, field: f }] });
    }
    entries.push(e);
    o += length;
  }
  return entries;
}

/**
 * Decode an IVRS table. Never throws: truncated or garbage bytes give a partial table plus findings.
 * Structural checks (checksum, lengths, records past the end) are done here; the semantic checks of
 * evidence-spec §4 are in `checkIvrs`.
 */
export function decodeIvrs(bytes: Uint8Array, opts: { source?: string } = {}): IvrsTable {
  const foundAs = asciiField(bytes, 0, 4);
  const source = opts.source ?? `acpi/${foundAs || 'IVRS'}`;
  const { findings, push } = findingSink();
  const header = decodeAcpiHeader(bytes);
  if (foundAs !== 'IVRS') {
    push({ code: 'IVRS_SIGNATURE', severity: 'error', message: `Signature "${foundAs}" is not IVRS; decoded as IVRS anyway.`, evidence: [{ source, field: 'header.signature' }] });
  }
  const { walkLength, checksumValid } = checkFrame(bytes, header, 'IVRS', source, IVRS_FIXED_LENGTH, push);
  const raw = u32(bytes, 36);
  const blocks: IvrsBlock[] = [];
  let ivhdCount = 0;
  let ivmdCount = 0;
  let unknownCount = 0;
  let o = IVRS_FIXED_LENGTH;
  let walkComplete = walkLength === header.length;
  while (o < walkLength) {
    const type = u8(bytes, o);
    const length = u16(bytes, o + 2);
    const family = type in IVHD_HEADER_LENGTH ? 'IVHD' : type >= 0x20 && type <= 0x22 ? 'IVMD' : 'UNKNOWN';
    const index = family === 'IVHD' ? ivhdCount : family === 'IVMD' ? ivmdCount : unknownCount;
    const field = `${family}[${index}]`;
    if (walkLength - o < 4) {
      push({ code: 'IVRS_RECORD_PAST_END', severity: 'error', message: `${walkLength - o} stray byte(s) at offset 0x${o.toString(16)}: too few for a block header.`, evidence: [{ source, field: `blocks@0x${o.toString(16)}` }] });
      walkComplete = false;
      break;
    }
    const min = family === 'IVHD' ? IVHD_HEADER_LENGTH[type]! : family === 'IVMD' ? IVMD_LENGTH : 4;
    if (length === 0 || length < min) {
      push({ code: 'IVRS_RECORD_TOO_SHORT', severity: 'error', message: `${family} type 0x${type.toString(16)} at offset 0x${o.toString(16)} has length ${length}, below its minimum of ${min}; the rest of the table cannot be walked.`, evidence: [{ source, field: `${field}.length` }] });
      walkComplete = false;
      break;
    }
    if (o + length > walkLength) {
      push({ code: 'IVRS_RECORD_PAST_END', severity: 'error', message: `${family} type 0x${type.toString(16)} at offset 0x${o.toString(16)} (length ${length}) runs past the table end at 0x${walkLength.toString(16)}.`, evidence: [{ source, field: `${field}.length` }] });
      walkComplete = false;
      break;
    }
    const flags = u8(bytes, o + 1);
    const devid = u16(bytes, o + 4);
    const base = { offset: o, type, flags, length, devid, index };
    if (family === 'IVHD') {
      ivhdCount++;
      const hl = IVHD_HEADER_LENGTH[type]!;
      blocks.push({
        ...base,
        family,
        capOffset: u16(bytes, o + 6),
        mmioBase: hex64(u64(bytes, o + 8)),
        segment: u16(bytes, o + 16),
        info: u16(bytes, o + 18),
        attributes: u32(bytes, o + 20),
        ...(hl === 40 ? { efr: hex64(u64(bytes, o + 24)), efr2: hex64(u64(bytes, o + 32)) } : {}),
        entries: decodeEntries(bytes, o + hl, o + length, field, source, push),
      });
    } else if (family === 'IVMD') {
      ivmdCount++;
      blocks.push({ ...base, family, unity: (flags & 1) !== 0, readable: (flags & 2) !== 0, writeable: (flags & 4) !== 0, exclusionRange: (flags & 8) !== 0, auxData: u16(bytes, o + 6), segment: u16(bytes, o + 8), startAddress: hex64(u64(bytes, o + 16)), memoryLength: hex64(u64(bytes, o + 24)) });
    } else {
      unknownCount++;
      blocks.push({ ...base, family: 'UNKNOWN' });
      push({ code: 'IVRS_UNKNOWN_BLOCK', severity: 'info', message: `Unknown IVRS block type 0x${type.toString(16)} at offset 0x${o.toString(16)} (length ${length}) was skipped.`, evidence: [{ source, field: `${field}.type` }] });
    }
    o += length;
  }
  return {
    kind: 'IVRS',
    foundAs,
    header,
    capturedLength: bytes.length,
    checksumValid,
    walkComplete,
    ivinfo: { raw, efrSupported: (raw & 1) !== 0, dmaRemapSupport: (raw & 2) !== 0, gvaSize: (raw >> 5) & 7, physicalAddressSize: (raw >> 8) & 0x7f, virtualAddressSize: (raw >> 15) & 0x7f },
    blocks,
    findings,
  };
}
