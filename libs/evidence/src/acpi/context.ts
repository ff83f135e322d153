import type { HexAddress } from './bytes';
import { toBigInt } from './bytes';

/**
 * One E820 memory-map range. `end` is EXCLUSIVE, as Xen prints its map (`(XEN)  00000000bf7e0000 -
 * 00000000bf7f0000 (reserved)`); /sys/firmware/memmap/N/end is inclusive, so add 1 when building from sysfs.
 * `type` is the name as printed: `usable`, `reserved`, `ACPI data`, `ACPI NVS`, `unusable`, ...
 */
export interface E820Range {
  start: HexAddress | number | bigint;
  end: HexAddress | number | bigint;
  type: string;
}

/** What the host tells us beyond the table itself; every field is optional and its check is skipped without it. */
export interface AcpiCheckContext {
  /** Evidence source name for findings (default `acpi/<signature as found>`). */
  source?: string;
  /** The E820 map (Xen-e820 RAM map or /sys/firmware/memmap), for the RMRR/IVMD "reserved memory" checks. */
  e820?: E820Range[];
  /** IO-APIC IDs from the MADT (or `IOAPIC[n]: apic_id N` boot lines), for the interrupt-remapping coverage check. */
  ioapicIds?: number[];
}

/**
 * E820 types that Xen accepts as covering an RMRR (X `xen/drivers/passthrough/vtd/dmar.c`: reserved, ACPI
 * data/reclaimable and ACPI NVS).
 */
export function isReservedE820Type(type: string): boolean {
  const t = type.toLowerCase();
  return t.includes('reserved') || t.includes('acpi');
}

/**
 * Whether `[start, endInclusive]` is wholly inside the union of reserved E820 ranges; undefined when the map
 * holds no readable range (so the check is skipped rather than guessed).
 */
export function coveredByReserved(e820: E820Range[], start: bigint, endInclusive: bigint): boolean | undefined {
  const ranges: [bigint, bigint][] = [];
  let readable = 0;
  for (const r of e820) {
    const s = toBigInt(r.start);
    const e = toBigInt(r.end);
    if (s === undefined || e === undefined || e <= s) continue;
    readable++;
    if (isReservedE820Type(r.type)) ranges.push([s, e]);
  }
  if (readable === 0) return undefined;
  ranges.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  let cursor = start;
  for (const [s, e] of ranges) {
    if (s > cursor) break;
    if (e > cursor) cursor = e;
    if (cursor > endInclusive) return true;
  }
  return cursor > endInclusive;
}
