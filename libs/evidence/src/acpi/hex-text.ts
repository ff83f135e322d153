import type { Finding } from '../common';
import { asciiField } from './bytes';

/**
 * Getting ACPI table bytes out of text: the "Raw Table Data" hex dump at the end of `iasl -d` output, the
 * per-table hex blocks of `acpidump`, plain hex and base64 (the snapshot's `base64:<data>` raw evidence).
 *
 * Dump lines look like `    0000: 44 4D 41 52 88 00 00 00 01 C3 4C 45 4E 4F 56 4F  // DMAR......LENOVO`
 * (iasl, with `//` before the ASCII column) or `  0000: 44 4D ... 4F  DMAR......LENOVO` (acpidump and older
 * iasl, two spaces before the ASCII column). At most 16 single-space-separated byte pairs are read per line,
 * so hex-looking ASCII text in the right-hand column is never taken for data.
 */

/** Most bytes a dump may describe (ACPI tables are far smaller; this bounds memory on garbage input). */
export const MAX_TABLE_BYTES = 4 * 1024 * 1024;

const isHex = (c: number): boolean => (c >= 48 && c <= 57) || (c >= 65 && c <= 70) || (c >= 97 && c <= 102);
const hexVal = (c: number): number => (c <= 57 ? c - 48 : (c | 0x20) - 87);

/** One hex-dump line: its offset and up to 16 bytes; undefined when the line is not a dump line. */
export function parseDumpLine(line: string): { offset: number; bytes: number[] } | undefined {
  const m = /^\s*([0-9A-Fa-f]{4,8}):[ \t]/.exec(line);
  if (!m) return undefined;
  const offset = parseInt(m[1]!, 16);
  const bytes: number[] = [];
  let i = m[0].length;
  while (i < line.length && line.charCodeAt(i) === 32) i++;
  while (bytes.length < 16 && i + 1 < line.length + 0) {
    const a = line.charCodeAt(i);
    const b = line.charCodeAt(i + 1);
    if (!isHex(a) || !isHex(b)) break;
    const next = i + 2 < line.length ? line.charCodeAt(i + 2) : 32;
    if (next !== 32 && next !== 9) break;
    bytes.push((hexVal(a) << 4) | hexVal(b));
    i += 3;
  }
  return bytes.length > 0 ? { offset, bytes } : undefined;
}

/** Assemble dump lines starting at `start` into bytes; stops at the first non-dump, non-blank line. */
function collectDump(lines: string[], start: number, findings: Finding[], source: string): { bytes: Uint8Array; end: number } {
  const parts: { offset: number; bytes: number[] }[] = [];
  let max = 0;
  let i = start;
  let seen = false;
  for (; i < lines.length; i++) {
    const line = lines[i]!;
    const d = parseDumpLine(line);
    if (!d) {
      if (line.trim() === '' && !seen) continue;
      if (line.trim() === '' && i + 1 < lines.length && parseDumpLine(lines[i + 1]!)) continue;
      break;
    }
    seen = true;
    if (d.offset + d.bytes.length > MAX_TABLE_BYTES) {
      findings.push({ code: 'ACPI_DUMP_TOO_LARGE', severity: 'error', message: `Hex dump offset 0x${d.offset.toString(16)} is beyond ${MAX_TABLE_BYTES} bytes; the rest of the dump was ignored.`, evidence: [{ source, line: i + 1 }] });
      break;
    }
    if (d.offset !== max) {
      findings.push({ code: 'ACPI_DUMP_GAP', severity: 'warning', message: `Hex dump line at offset 0x${d.offset.toString(16)} does not follow the previous line (expected 0x${max.toString(16)}); missing bytes read as 0.`, evidence: [{ source, line: i + 1, text: line.trim() }] });
    }
    parts.push(d);
    max = Math.max(max, d.offset + d.bytes.length);
  }
  const bytes = new Uint8Array(max);
  for (const p of parts) bytes.set(p.bytes, p.offset);
  return { bytes, end: i };
}

/**
 * The table in `iasl -d` text: the hex dump after `Raw Table Data: Length N (0xN)`. Returns undefined when the
 * text has no such dump. Findings say when the dump holds fewer or more bytes than the announced length
 * (mail-truncated captures) or has gaps.
 */
export function tableFromIaslText(text: string, source = 'acpi'): { signature: string; bytes: Uint8Array; findings: Finding[] } | undefined {
  const lines = text.split(/\r\n|\r|\n/);
  for (let i = 0; i < lines.length; i++) {
    const m = /^\s*Raw Table Data: Length (\d{1,10})/.exec(lines[i]!);
    if (!m) continue;
    const findings: Finding[] = [];
    const announced = Number(m[1]);
    const { bytes } = collectDump(lines, i + 1, findings, source);
    if (bytes.length === 0) return undefined;
    if (bytes.length !== announced) {
      findings.push({ code: 'ACPI_DUMP_LENGTH_MISMATCH', severity: bytes.length < announced ? 'error' : 'warning', message: `iasl announced ${announced} bytes of raw table data but the dump holds ${bytes.length}; the capture is ${bytes.length < announced ? 'truncated' : 'padded'}.`, evidence: [{ source, line: i + 1, text: lines[i]!.trim() }] });
    }
    return { signature: asciiField(bytes, 0, 4), bytes, findings };
  }
  return undefined;
}

/**
 * Every table in `acpidump` text output: a `SIG @ 0xADDRESS` line followed by its hex dump. SSDTs and other
 * repeated signatures are returned in order.
 */
export function tablesFromAcpidump(text: string): { signature: string; address: string; bytes: Uint8Array }[] {
  const lines = text.split(/\r\n|\r|\n/);
  const out: { signature: string; address: string; bytes: Uint8Array }[] = [];
  for (let i = 0; i < lines.length; i++) {
    const m = /^\s*([A-Za-z0-9_!$]{4}) @ (0x[0-9A-Fa-f]{1,16})\s*$/.exec(lines[i]!);
    if (!m) continue;
    const { bytes, end } = collectDump(lines, i + 1, [], 'acpidump.txt');
    if (bytes.length > 0) out.push({ signature: m[1]!, address: m[2]!.toLowerCase(), bytes });
    i = Math.max(i, end - 1);
  }
  return out;
}

/** Bytes from hex text (`444D4152…`, `44 4d 41 52`, optional `0x`); reading stops at the first non-hex character. */
export function bytesFromHex(text: string): Uint8Array {
  const s = text.replace(/^\s*0[xX]/, '');
  const out: number[] = [];
  let hi = -1;
  for (let i = 0; i < s.length && out.length < MAX_TABLE_BYTES; i++) {
    const c = s.charCodeAt(i);
    if (c === 32 || c === 9 || c === 10 || c === 13) continue;
    if (!isHex(c)) break;
    if (hi < 0) hi = hexVal(c);
    else {
      out.push((hi << 4) | hexVal(c));
      hi = -1;
    }
  }
  return Uint8Array.from(out);
}

const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';

/**
 * Bytes from base64 (standard or URL-safe alphabet, optional `base64:` prefix as in snapshot raw evidence,
 * whitespace ignored); decoding stops at `=` or the first character outside the alphabet.
 */
export function bytesFromBase64(text: string): Uint8Array {
  const s = text.replace(/^\s*base64:/, '');
  const out: number[] = [];
  let acc = 0;
  let bits = 0;
  for (let i = 0; i < s.length; i++) {
    let c = s[i]!;
    if (c === ' ' || c === '\n' || c === '\r' || c === '\t') continue;
    if (c === '-') c = '+';
    else if (c === '_') c = '/';
    const v = B64.indexOf(c);
    if (v < 0) break;
    acc = ((acc << 6) | v) & 0xffffff;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push((acc >> bits) & 0xff);
    }
  }
  return Uint8Array.from(out);
}
