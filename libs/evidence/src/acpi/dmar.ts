import type { Finding } from '../common';
import { asciiField, hex64, u16, u32, u64, u8 } from './bytes';
import { checkFrame, decodeAcpiHeader } from './header';
import { findingSink } from './sink';
import type { DeviceScope, DeviceScopeTypeName, DmarStructure, DmarTable } from './dmar.types';

/** Length of the DMAR fixed part: ACPI header, HAW, flags, 10 reserved bytes. */
export const DMAR_FIXED_LENGTH = 48;

/** Signatures a DMAR table is found under: DMAR (native), RMAD (renamed by current Xen), XMAR (renamed by old Xen). */
export const DMAR_SIGNATURES = ['DMAR', 'RMAD', 'XMAR'] as const;

/** Minimum length of each DMAR structure type (VT-d spec §8.3–8.9; ANDD = 8 + at least the NUL). */
export const DMAR_MIN_LENGTH: Record<number, number> = { 0: 16, 1: 24, 2: 8, 3: 20, 4: 9, 5: 8, 6: 8 };

const STRUCT_NAMES = ['DRHD', 'RMRR', 'ATSR', 'RHSA', 'ANDD', 'SATC', 'SIDP'] as const;
const SCOPE_NAMES: DeviceScopeTypeName[] = ['RESERVED', 'PCI_ENDPOINT', 'PCI_BRIDGE', 'IOAPIC', 'HPET', 'ACPI_NAMESPACE'];

/**
 * A copy of a DMAR table under its firmware signature: RMAD (Xen's byte permutation, checksum unchanged) and
 * XMAR (old Xen set byte 0 to 'X' and subtracted 'X'-'D' from the checksum) are turned back into DMAR, which
 * restores the bytes the firmware shipped. Other signatures are copied unchanged.
 */
export function restoreDmarSignature(bytes: Uint8Array): Uint8Array {
  const out = Uint8Array.from(bytes);
  const sig = asciiField(bytes, 0, 4);
  if (sig === 'RMAD') out.set([0x44, 0x4d, 0x41, 0x52], 0);
  else if (sig === 'XMAR') {
    out[0] = 0x44;
    if (out.length > 9) out[9] = (out[9]! + (0x58 - 0x44)) & 0xff;
  }
  return out;
}

/** Device scopes in `[start, end)` of a structure; findings for zero, short, odd-length or overrunning scopes. */
export function decodeDeviceScopes(b: Uint8Array, start: number, end: number, field: string, source: string, push: (f: Finding) => void): DeviceScope[] {
  const scopes: DeviceScope[] = [];
  let o = start;
  while (o < end) {
    const f = `${field}.scopes[${scopes.length}]`;
    if (end - o < 2) {
      push({ code: 'DMAR_SCOPE_TRUNCATED', severity: 'error', message: `${end - o} stray byte(s) at offset 0x${o.toString(16)} where a device scope should start.`, evidence: [{ source, field: f }] });
      break;
    }
    const type = u8(b, o);
    const length = u8(b, o + 1);
    if (length < 6) {
      push({ code: 'DMAR_SCOPE_LENGTH_INVALID', severity: 'error', message: `Device scope at offset 0x${o.toString(16)} has length ${length}; the minimum is 6 (Linux: "Invalid ACPI DMAR entry length"). The rest of the structure is skipped.`, evidence: [{ source, field: f }] });
      break;
    }
    if (o + length > end) {
      push({ code: 'DMAR_SCOPE_PAST_END', severity: 'error', message: `Device scope at offset 0x${o.toString(16)} (length ${length}) runs past the end of its structure at 0x${end.toString(16)}.`, evidence: [{ source, field: f }] });
      break;
    }
    if ((length - 6) % 2 !== 0) {
      push({ code: 'DMAR_SCOPE_LENGTH_INVALID', severity: 'error', message: `Device scope at offset 0x${o.toString(16)} has odd length ${length}; it must be 6 + 2 × path entries.`, evidence: [{ source, field: f }] });
    }
    const path: { device: number; function: number }[] = [];
    for (let p = o + 6; p + 1 < o + length; p += 2) path.push({ device: u8(b, p), function: u8(b, p + 1) });
    scopes.push({ offset: o, type, typeName: SCOPE_NAMES[type] ?? 'RESERVED', length, flags: u8(b, o + 2), enumId: u8(b, o + 4), startBus: u8(b, o + 5), path });
    o += length;
  }
  return scopes;
}

/**
 * Decode a DMAR (or RMAD/XMAR) table. Never throws: truncated or garbage bytes give a partial table plus
 * findings. Structural checks (checksum, lengths, records past the end, unknown types) are done here; the
 * semantic checks of evidence-spec §4 are in `checkDmar`.
 */
export function decodeDmar(bytes: Uint8Array, opts: { source?: string } = {}): DmarTable {
  const foundAs = asciiField(bytes, 0, 4);
  const source = opts.source ?? `acpi/${foundAs || 'DMAR'}`;
  const { findings, push } = findingSink();
  const header = decodeAcpiHeader(bytes);
  if (!(DMAR_SIGNATURES as readonly string[]).includes(foundAs)) {
    push({ code: 'DMAR_SIGNATURE', severity: 'error', message: `Signature "${foundAs}" is not DMAR, RMAD or XMAR; decoded as DMAR anyway.`, evidence: [{ source, field: 'header.signature' }] });
  }
  const { walkLength, checksumValid } = checkFrame(bytes, header, 'DMAR', source, DMAR_FIXED_LENGTH, push);
  const hawRaw = u8(bytes, 36);
  const flagsRaw = u8(bytes, 37);
  const structures: DmarStructure[] = [];
  const counts = new Map<string, number>();
  let o = DMAR_FIXED_LENGTH;
  let walkComplete = walkLength === header.length;
  while (o < walkLength) {
    const typeCode = u16(bytes, o);
    const length = u16(bytes, o + 2);
    const name = STRUCT_NAMES[typeCode] ?? 'UNKNOWN';
    const index = counts.get(name) ?? 0;
    const field = `${name}[${index}]`;
    if (walkLength - o < 4) {
      push({ code: 'DMAR_RECORD_PAST_END', severity: 'error', message: `${walkLength - o} stray byte(s) at offset 0x${o.toString(16)}: too few for a structure header.`, evidence: [{ source, field: `structures@0x${o.toString(16)}` }] });
      walkComplete = false;
      break;
    }
    const min = DMAR_MIN_LENGTH[typeCode] ?? 4;
    if (length === 0 || length < min) {
      push({ code: 'DMAR_RECORD_TOO_SHORT', severity: 'error', message: `${name} at offset 0x${o.toString(16)} has length ${length}, below its minimum of ${min} (Linux: "Invalid 0-length structure" / "Invalid ACPI DMAR entry length"); the rest of the table cannot be walked.`, evidence: [{ source, field: `${field}.length` }] });
      walkComplete = false;
      break;
    }
    if (o + length > walkLength) {
      push({ code: 'DMAR_RECORD_PAST_END', severity: 'error', message: `${name} at offset 0x${o.toString(16)} (length ${length}) runs past the table end at 0x${walkLength.toString(16)}.`, evidence: [{ source, field: `${field}.length` }] });
      walkComplete = false;
      break;
    }
    counts.set(name, index + 1);
    const base = { offset: o, typeCode, length, index };
    const end = o + length;
    switch (typeCode) {
      case 0: {
        const flags = u8(bytes, o + 4);
        structures.push({ ...base, type: 'DRHD', flags, includePciAll: (flags & 1) === 1, size: u8(bytes, o + 5), segment: u16(bytes, o + 6), registerBase: hex64(u64(bytes, o + 8)), scopes: decodeDeviceScopes(bytes, o + 16, end, field, source, push) });
        break;
      }
      case 1:
        structures.push({ ...base, type: 'RMRR', segment: u16(bytes, o + 6), baseAddress: hex64(u64(bytes, o + 8)), endAddress: hex64(u64(bytes, o + 16)), scopes: decodeDeviceScopes(bytes, o + 24, end, field, source, push) });
        break;
      case 2: {
        const flags = u8(bytes, o + 4);
        structures.push({ ...base, type: 'ATSR', flags, allPorts: (flags & 1) === 1, segment: u16(bytes, o + 6), scopes: decodeDeviceScopes(bytes, o + 8, end, field, source, push) });
        break;
      }
      case 3:
        structures.push({ ...base, type: 'RHSA', baseAddress: hex64(u64(bytes, o + 8)), proximityDomain: u32(bytes, o + 16) });
        break;
      case 4: {
        let name = '';
        let terminated = false;
        for (let p = o + 8; p < end; p++) {
          const c = u8(bytes, p);
          if (c === 0) {
            terminated = true;
            break;
          }
          name += c >= 0x20 && c < 0x7f ? String.fromCharCode(c) : '.';
        }
        structures.push({ ...base, type: 'ANDD', deviceNumber: u8(bytes, o + 7), name, nameTerminated: terminated });
        break;
      }
      case 5:
        structures.push({ ...base, type: 'SATC', flags: u8(bytes, o + 4), segment: u16(bytes, o + 6), scopes: decodeDeviceScopes(bytes, o + 8, end, field, source, push) });
        break;
      case 6:
        structures.push({ ...base, type: 'SIDP', segment: u16(bytes, o + 6), scopes: decodeDeviceScopes(bytes, o + 8, end, field, source, push) });
        break;
      default:
        structures.push({ ...base, type: 'UNKNOWN' });
        push({ code: 'DMAR_UNKNOWN_STRUCTURE', severity: 'info', message: `Unknown DMAR structure type ${typeCode} at offset 0x${o.toString(16)} (length ${length}) was skipped, as Linux and Xen do.`, evidence: [{ source, field: `${field}.type` }] });
    }
    o = end;
  }
  return {
    kind: 'DMAR',
    foundAs,
    header,
    capturedLength: bytes.length,
    checksumValid,
    walkComplete,
    hawRaw,
    hostAddressWidth: hawRaw + 1,
    flags: { raw: flagsRaw, intrRemap: (flagsRaw & 1) !== 0, x2apicOptOut: (flagsRaw & 2) !== 0, dmaCtrlPlatformOptIn: (flagsRaw & 4) !== 0 },
    structures,
    findings,
  };
}
