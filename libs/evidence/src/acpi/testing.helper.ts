/**
 * Test-only helpers (imported by the *.spec.ts files, never by the library): build DMAR/IVRS bytes with a
 * correct length and checksum, so each validity check can be exercised on an otherwise well-formed table.
 */

/** Little-endian byte writer. */
export function le(value: number | bigint, size: number): number[] {
  let v = BigInt(value);
  const out: number[] = [];
  for (let i = 0; i < size; i++) {
    out.push(Number(v & 0xffn));
    v >>= 8n;
  }
  return out;
}

const ascii = (s: string, n: number): number[] => Array.from({ length: n }, (_, i) => (i < s.length ? s.charCodeAt(i) : 0x20));

/** A table: 36-byte header (`sig`, OEM "VIRTCP"/"TESTTBL "), `fixed` bytes after it, then `body`; checksum fixed. */
export function table(sig: string, fixed: number[], body: number[], revision = 1): Uint8Array {
  const len = 36 + fixed.length + body.length;
  const bytes = Uint8Array.from([...ascii(sig, 4), ...le(len, 4), revision, 0, ...ascii('VIRTCP', 6), ...ascii('TESTTBL ', 8), ...le(1, 4), ...ascii('TEST', 4), ...le(1, 4), ...fixed, ...body]);
  fixChecksum(bytes);
  return bytes;
}

/** Set byte 9 so the table's `length` bytes sum to 0 mod 256. */
export function fixChecksum(bytes: Uint8Array): Uint8Array {
  bytes[9] = 0;
  let s = 0;
  for (const b of bytes) s = (s + b) & 0xff;
  bytes[9] = (256 - s) & 0xff;
  return bytes;
}

/** DMAR fixed part: HAW byte, flags, 10 reserved. */
export const dmarFixed = (haw = 38, flags = 1): number[] => [haw, flags, ...new Array<number>(10).fill(0)];

/** Device scope: type, enumId, startBus, path pairs. */
export const scope = (type: number, enumId: number, bus: number, path: [number, number][]): number[] => [type, 6 + 2 * path.length, 0, 0, enumId, bus, ...path.flat()];

export const drhd = (flags: number, seg: number, base: bigint, scopes: number[] = []): number[] => [...le(0, 2), ...le(16 + scopes.length, 2), flags, 0, ...le(seg, 2), ...le(base, 8), ...scopes];
export const rmrr = (base: bigint, end: bigint, scopes: number[] = []): number[] => [...le(1, 2), ...le(24 + scopes.length, 2), 0, 0, ...le(0, 2), ...le(base, 8), ...le(end, 8), ...scopes];
export const rhsa = (base: bigint, prox: number): number[] => [...le(3, 2), ...le(20, 2), ...le(0, 4), ...le(base, 8), ...le(prox, 4)];
export const andd = (devnum: number, name: number[]): number[] => [...le(4, 2), ...le(8 + name.length, 2), 0, 0, 0, devnum, ...name];

/** IVRS fixed part: IVinfo + 8 reserved. */
export const ivrsFixed = (ivinfo = 0x00203041): number[] => [...le(ivinfo, 4), ...new Array<number>(8).fill(0)];
/** IVHD type 10h with `entries` bytes. */
export const ivhd10 = (base: bigint, entries: number[]): number[] => [0x10, 0xb0, ...le(24 + entries.length, 2), ...le(2, 2), ...le(0x40, 2), ...le(base, 8), ...le(0, 2), ...le(0, 2), ...le(0, 4), ...entries];
/** SPECIAL device entry (48h): handle, requester ID, variety (1 IOAPIC, 2 HPET). */
export const special = (handle: number, devid: number, variety: number): number[] => [0x48, 0, 0, 0xd7, handle, ...le(devid, 2), variety];
export const ivmd = (type: number, flags: number, start: bigint, length: bigint): number[] => [type, flags, ...le(32, 2), ...le(0, 2), ...le(0, 2), ...le(0, 2), ...new Array<number>(6).fill(0), ...le(start, 8), ...le(length, 8)];
