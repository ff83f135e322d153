import type { Finding } from '../common';
import { U64_ALL_ONES, toBigInt } from './bytes';
import type { AcpiCheckContext } from './context';
import { coveredByReserved } from './context';
import type { DmarDrhd, DmarRmrr, DmarTable } from './dmar.types';
import { findingSink } from './sink';

const PAGE = 0x1000n;

/**
 * Semantic validity checks on a decoded DMAR (evidence-spec §4), in the words Linux and Xen use:
 * HAW (0 = error; Linux rejects HAW < 11, i.e. a width under 12 bits), at least one DRHD, DRHD register base
 * ≠ 0 / all-ones ("Your BIOS is broken; DMAR reported at address zero!"), one INCLUDE_PCI_ALL DRHD per segment
 * (missing = warning, several = error), RMRR page alignment, end > base, no overlap and (with `ctx.e820`)
 * reserved memory, RHSA base matching a DRHD (warning), ANDD names NUL-terminated, and IO-APIC scopes for
 * interrupt remapping (with `ctx.ioapicIds`: every MADT IO-APIC must be in some DRHD scope). "Missing X" checks
 * are skipped when `table.walkComplete` is false (the missing record may be in the unread part).
 */
export function checkDmar(table: DmarTable, ctx: AcpiCheckContext = {}): Finding[] {
  const source = ctx.source ?? `acpi/${table.foundAs || 'DMAR'}`;
  const { findings, push } = findingSink();
  const ev = (field: string) => [{ source, field }];
  if (table.hawRaw === 0) {
    push({ code: 'DMAR_HAW_ZERO', severity: 'error', message: 'Host Address Width is 0: the BIOS did not fill in the DMAR table (Linux: "Invalid DMAR haw"); VT-d cannot be used. Update the BIOS.', evidence: ev('hostAddressWidth') });
  } else if (table.hawRaw < 11) {
    push({ code: 'DMAR_HAW_INVALID', severity: 'error', message: `Host Address Width ${table.hostAddressWidth} bits is below the 12 Linux requires (HAW byte ${table.hawRaw} < 11, "Invalid DMAR haw").`, evidence: ev('hostAddressWidth') });
  }
  const drhds = table.structures.filter((s): s is DmarDrhd => s.type === 'DRHD');
  if (drhds.length === 0 && table.walkComplete) {
    push({ code: 'DMAR_NO_DRHD', severity: 'error', message: 'The DMAR table has no DRHD (remapping hardware unit): there is no IOMMU to use ("No DMAR devices found"). Enable VT-d in the BIOS or update it.', evidence: ev('structures') });
  }
  for (const d of drhds) {
    const base = toBigInt(d.registerBase) ?? 0n;
    if (base === 0n) {
      push({ code: 'DMAR_DRHD_BASE_ZERO', severity: 'error', message: `DRHD[${d.index}] register base is 0 (Linux: "Your BIOS is broken; DMAR reported at address zero!"); this IOMMU cannot be used. Update the BIOS.`, evidence: ev(`DRHD[${d.index}].registerBase`) });
    } else if (base === U64_ALL_ONES) {
      push({ code: 'DMAR_DRHD_BASE_ALL_ONES', severity: 'error', message: `DRHD[${d.index}] register base is all ones (Linux: "Your BIOS is broken; DMAR reported at address ${d.registerBase}!"); this IOMMU cannot be used.`, evidence: ev(`DRHD[${d.index}].registerBase`) });
    }
  }
  if (table.walkComplete) checkIncludePciAll(drhds, push, ev);
  checkRmrrs(table.structures.filter((s): s is DmarRmrr => s.type === 'RMRR'), ctx, push, ev);
  for (const s of table.structures) {
    if (s.type === 'RHSA') {
      const b = toBigInt(s.baseAddress);
      if (!drhds.some((d) => toBigInt(d.registerBase) === b)) {
        push({ code: 'DMAR_RHSA_NO_DRHD', severity: 'warning', message: `RHSA[${s.index}] names register base ${s.baseAddress}, which matches no DRHD ("Your BIOS is broken; RHSA refers to non-existent DMAR unit"); NUMA affinity of that IOMMU is unknown.`, evidence: ev(`RHSA[${s.index}].baseAddress`) });
      }
    } else if (s.type === 'ANDD' && !s.nameTerminated) {
      push({ code: 'DMAR_ANDD_NAME_UNTERMINATED', severity: 'error', message: `ANDD[${s.index}] object name "${s.name}" is not NUL-terminated.`, evidence: ev(`ANDD[${s.index}].name`) });
    }
  }
  if (table.walkComplete) checkIoapics(table, drhds, ctx, push, ev);
  return findings;
}

function checkIncludePciAll(drhds: DmarDrhd[], push: (f: Finding) => void, ev: (f: string) => { source: string; field: string }[]): void {
  const bySegment = new Map<number, DmarDrhd[]>();
  for (const d of drhds) bySegment.set(d.segment, [...(bySegment.get(d.segment) ?? []), ...(d.includePciAll ? [d] : [])]);
  for (const [segment, all] of bySegment) {
    if (all.length === 0) {
      push({ code: 'DMAR_NO_INCLUDE_PCI_ALL', severity: 'warning', message: `No DRHD has INCLUDE_PCI_ALL for PCI segment ${segment}: devices not listed in a DRHD scope have no IOMMU.`, evidence: ev('DRHD') });
    } else if (all.length > 1) {
      push({ code: 'DMAR_MULTIPLE_INCLUDE_PCI_ALL', severity: 'error', message: `${all.length} DRHDs have INCLUDE_PCI_ALL for PCI segment ${segment}; only one may (Xen: "Only one INCLUDE_ALL device per segment is allowed").`, evidence: all.map((d) => ev(`DRHD[${d.index}].flags`)[0]!) });
    }
  }
}

function checkRmrrs(rmrrs: DmarRmrr[], ctx: AcpiCheckContext, push: (f: Finding) => void, ev: (f: string) => { source: string; field: string }[]): void {
  const ranges: { r: DmarRmrr; base: bigint; end: bigint }[] = [];
  for (const r of rmrrs) {
    const base = toBigInt(r.baseAddress) ?? 0n;
    const end = toBigInt(r.endAddress) ?? 0n;
    const where = `RMRR[${r.index}] [${r.baseAddress}, ${r.endAddress}]`;
    if (base % PAGE !== 0n || (end + 1n) % PAGE !== 0n) {
      push({ code: 'DMAR_RMRR_UNALIGNED', severity: 'error', message: `${where} is not page-aligned (base and end+1 must be multiples of 4 KiB; Linux: "Your BIOS is broken; bad RMRR").`, evidence: ev(`RMRR[${r.index}].baseAddress`) });
    }
    if (end <= base) {
      push({ code: 'DMAR_RMRR_END_BEFORE_BASE', severity: 'error', message: `${where}: the end address is not above the base (Xen: "RMRR error: base_addr … end_address …"); the region is ignored.`, evidence: ev(`RMRR[${r.index}].endAddress`) });
      continue;
    }
    ranges.push({ r, base, end });
    if (ctx.e820) {
      const covered = coveredByReserved(ctx.e820, base, end);
      // §9.2 classes Xen's "not (entirely) in reserved memory" as degraded, so this is a warning.
      if (covered === false) {
        push({ code: 'DMAR_RMRR_NOT_RESERVED', severity: 'warning', message: `${where} is not (entirely) in E820-reserved memory; Xen warns and may need iommu_inclusive_mapping=1 / the BIOS fixed.`, evidence: ev(`RMRR[${r.index}].baseAddress`) });
      }
    }
  }
  ranges.sort((a, b) => (a.base < b.base ? -1 : a.base > b.base ? 1 : 0));
  // Compare each range with the one reaching furthest so far, so a long range overlapping several is caught.
  let reach = ranges[0];
  for (let i = 1; i < ranges.length; i++) {
    const prev = reach!;
    const cur = ranges[i]!;
    if (cur.end > prev.end) reach = cur;
    if (cur.base <= prev.end) {
      push({ code: 'DMAR_RMRR_OVERLAP', severity: 'error', message: `RMRR[${prev.r.index}] and RMRR[${cur.r.index}] overlap ("Overlapping RMRRs").`, evidence: [ev(`RMRR[${prev.r.index}]`)[0]!, ev(`RMRR[${cur.r.index}]`)[0]!] });
    }
  }
}

function checkIoapics(table: DmarTable, drhds: DmarDrhd[], ctx: AcpiCheckContext, push: (f: Finding) => void, ev: (f: string) => { source: string; field: string }[]): void {
  const ioapicIds = new Set<number>();
  for (const d of drhds) for (const s of d.scopes) if (s.typeName === 'IOAPIC') ioapicIds.add(s.enumId);
  if (ctx.ioapicIds) {
    for (const id of ctx.ioapicIds) {
      if (!ioapicIds.has(id)) {
        push({ code: 'DMAR_IOAPIC_NOT_IN_SCOPE', severity: 'error', message: `IO-APIC ${id} from the MADT is in no DRHD device scope ("ioapic ${id} has no mapping iommu, interrupt remapping will be disabled"); interrupt remapping cannot be enabled. Update the BIOS.`, evidence: ev('DRHD') });
      }
    }
  } else if (drhds.length > 0 && ioapicIds.size === 0) {
    push(
      table.flags.intrRemap
        ? { code: 'DMAR_NO_IOAPIC_SCOPE', severity: 'error', message: 'The DMAR flags claim interrupt remapping (INTR_REMAP) but no DRHD lists an IO-APIC scope, so interrupt remapping cannot be enabled. Update the BIOS.', evidence: ev('DRHD') }
        : { code: 'DMAR_NO_IOAPIC_SCOPE', severity: 'info', message: 'No DRHD lists an IO-APIC scope and INTR_REMAP is clear: the platform offers DMA remapping only, no interrupt remapping.', evidence: ev('DRHD') },
    );
  }
}
