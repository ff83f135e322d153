import type { Finding } from '../common';
import { asciiField, u32, u8 } from './bytes';

/** Length of the standard ACPI system description table header (ACPI spec §5.2.6). */
export const ACPI_HEADER_LENGTH = 36;

/** The 36-byte ACPI header common to DMAR and IVRS: signature, length, revision, checksum and the OEM identity. */
export interface AcpiHeader {
  /** Signature as found (DMAR, RMAD, XMAR, IVRS, ...). */
  signature: string;
  /** Table length in bytes as the header claims it. */
  length: number;
  revision: number;
  checksum: number;
  oemId: string;
  oemTableId: string;
  oemRevision: number;
  aslId: string;
  aslRevision: number;
}

/** Decode the ACPI header; fields beyond the available bytes read as 0 / empty. */
export function decodeAcpiHeader(b: Uint8Array): AcpiHeader {
  return {
    signature: asciiField(b, 0, 4),
    length: u32(b, 4),
    revision: u8(b, 8),
    checksum: u8(b, 9),
    oemId: asciiField(b, 10, 6),
    oemTableId: asciiField(b, 16, 8),
    oemRevision: u32(b, 24),
    aslId: asciiField(b, 28, 4),
    aslRevision: u32(b, 32),
  };
}

/** Sum of the first `n` bytes mod 256: an ACPI table is valid when its `length` bytes sum to 0. */
export function byteSum(b: Uint8Array, n: number): number {
  let s = 0;
  const end = Math.min(n, b.length);
  for (let i = 0; i < end; i++) s = (s + b[i]!) & 0xff;
  return s;
}

/**
 * Common structural checks for DMAR and IVRS (evidence-spec §4): header length ≥ the fixed part (48), the
 * captured bytes hold the whole table, and the checksum. Returns the number of bytes the decoder may walk
 * (the header length, clipped to what was captured).
 */
export function checkFrame(
  b: Uint8Array,
  header: AcpiHeader,
  prefix: string,
  source: string,
  fixedLength: number,
  push: (f: Finding) => void,
): { walkLength: number; checksumValid: boolean | undefined } {
  const ev = (field: string) => [{ source, field }];
  if (b.length < fixedLength) {
    push({ code: `${prefix}_TOO_SHORT`, severity: 'error', message: `Only ${b.length} bytes were captured; a ${prefix} table needs at least ${fixedLength} (header and fixed fields).`, evidence: ev('header') });
  }
  if (header.length < fixedLength) {
    push({ code: `${prefix}_LENGTH_INVALID`, severity: 'error', message: `The header length ${header.length} is less than the ${fixedLength}-byte minimum of a ${prefix} table.`, evidence: ev('header.length') });
  }
  let checksumValid: boolean | undefined;
  if (header.length > b.length) {
    push({ code: `${prefix}_TRUNCATED`, severity: 'error', message: `The header says ${header.length} bytes but only ${b.length} were captured; records past the capture are missing and the checksum cannot be verified.`, evidence: ev('header.length') });
  } else if (b.length >= ACPI_HEADER_LENGTH) {
    const sum = byteSum(b, header.length);
    checksumValid = sum === 0;
    if (!checksumValid) {
      push({ code: `${prefix}_CHECKSUM`, severity: 'error', message: `Incorrect checksum in table [${prefix}]: the ${header.length} bytes sum to 0x${sum.toString(16).padStart(2, '0')} mod 256, not 0 (firmware bug or corrupted capture).`, evidence: ev('header.checksum') });
    }
  }
  if (header.length < b.length && header.length >= fixedLength) {
    push({ code: `${prefix}_TRAILING_BYTES`, severity: 'info', message: `${b.length - header.length} bytes follow the ${header.length}-byte table and were ignored.`, evidence: ev('header.length') });
  }
  const walkLength = Math.min(header.length, b.length);
  return { walkLength, checksumValid };
}
