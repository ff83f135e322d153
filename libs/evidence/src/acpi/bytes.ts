/**
 * Little-endian readers over ACPI table bytes. ACPI tables are little-endian throughout (ACPI spec §5.2).
 * Every reader is bounds-safe: a read past the end returns 0 (callers check ranges before trusting a value),
 * so a truncated or garbage table can never make a decoder throw.
 */

/** Unsigned 8-bit value at `o`, or 0 past the end. */
export function u8(b: Uint8Array, o: number): number {
  return o >= 0 && o < b.length ? b[o]! : 0;
}

/** Unsigned little-endian 16-bit value at `o` (missing bytes read as 0). */
export function u16(b: Uint8Array, o: number): number {
  return u8(b, o) | (u8(b, o + 1) << 8);
}

/** Unsigned little-endian 32-bit value at `o` (missing bytes read as 0). */
export function u32(b: Uint8Array, o: number): number {
  return (u16(b, o) | (u16(b, o + 2) << 16)) >>> 0;
}

/** Unsigned little-endian 64-bit value at `o` as a bigint (missing bytes read as 0). */
export function u64(b: Uint8Array, o: number): bigint {
  return (BigInt(u32(b, o + 4)) << 32n) | BigInt(u32(b, o));
}

/** All-ones 64-bit value: a register base read back from absent hardware or an unprogrammed BIOS field. */
export const U64_ALL_ONES = 0xffff_ffff_ffff_ffffn;

/**
 * 64-bit addresses are carried as lowercase `0x…` hex strings (no padding), as Linux and Xen print them
 * (e.g. `0xfed90000`): JSON-safe, exact, and readable in a snapshot.
 */
export type HexAddress = string;

/** Format a bigint as a {@link HexAddress}. */
export function hex64(v: bigint): HexAddress {
  return `0x${v.toString(16)}`;
}

/** Parse a {@link HexAddress} (or any `0x…` hex, decimal string, number or bigint) into a bigint; undefined if unreadable. */
export function toBigInt(v: HexAddress | number | bigint): bigint | undefined {
  if (typeof v === 'bigint') return v;
  if (typeof v === 'number') return Number.isSafeInteger(v) && v >= 0 ? BigInt(v) : undefined;
  const s = v.trim();
  if (!/^(0[xX][0-9a-fA-F]{1,16}|[0-9]{1,20})$/.test(s)) return undefined;
  return BigInt(s);
}

/**
 * Fixed-width ACPI ASCII field (signature, OEM ID, OEM table ID, ASL compiler ID): read up to the first NUL,
 * non-printable bytes shown as `.` (firmware sometimes leaves binary junk there, e.g. an OEM table ID of 0x01).
 */
export function asciiField(b: Uint8Array, o: number, n: number): string {
  let s = '';
  for (let i = 0; i < n && o + i < b.length; i++) {
    const c = b[o + i]!;
    if (c === 0) break;
    s += c >= 0x20 && c < 0x7f ? String.fromCharCode(c) : '.';
  }
  return s;
}

/**
 * PCI requester ID (`devid` in IVRS, bus<<8 | dev<<3 | fn) as `bb:dd.f`, the form Xen's `ivrs_ioapic[]` and
 * `ivrs_hpet[]` options and lspci use, e.g. 0x00a0 → `00:14.0` (the AMD southbridge IO-APIC).
 */
export function formatBdf(devid: number): string {
  const bus = (devid >> 8) & 0xff;
  const dev = (devid >> 3) & 0x1f;
  const fn = devid & 7;
  return `${bus.toString(16).padStart(2, '0')}:${dev.toString(16).padStart(2, '0')}.${fn}`;
}
