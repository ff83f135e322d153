import type { Finding } from '../common';
import { U64_ALL_ONES, toBigInt } from './bytes';
import type { AcpiCheckContext } from './context';
import { coveredByReserved } from './context';
import type { IvrsIvhd, IvrsIvmd, IvrsTable } from './ivrs.types';
import { findingSink } from './sink';

/** Requester ID of the AMD southbridge (FCH) IO-APIC, 00:14.0; Linux `IOAPIC_SB_DEVID`, Xen `iommu_acpi.c`. */
export const IOAPIC_SB_DEVID = 0x00a0;

/**
 * Semantic validity checks on a decoded IVRS (evidence-spec §4): at least one IVHD, IVHD register base ≠ 0 /
 * all-ones, an IOAPIC SPECIAL (48h, variety 1) entry for the southbridge IO-APIC 00:14.0 in the IVHDs of every
 * type present (else Linux/Xen refuse interrupt remapping: "No southbridge IO-APIC found in IVRS table"),
 * with `ctx.ioapicIds` every MADT IO-APIC present as a SPECIAL handle ("IOAPIC[N] not in IVRS table"),
 * START entries closed by END, and IVMD ranges non-overlapping and (with `ctx.e820`) reserved (warnings).
 */
export function checkIvrs(table: IvrsTable, ctx: AcpiCheckContext = {}): Finding[] {
  const source = ctx.source ?? `acpi/${table.foundAs || 'IVRS'}`;
  const { findings, push } = findingSink();
  const ev = (field: string) => [{ source, field }];
  const ivhds = table.blocks.filter((b): b is IvrsIvhd => b.family === 'IVHD');
  if (ivhds.length === 0 && table.walkComplete) {
    push({ code: 'IVRS_NO_IVHD', severity: 'error', message: 'The IVRS table has no IVHD block: there is no AMD IOMMU to use. Enable the IOMMU (AMD-Vi) in the BIOS or update it.', evidence: ev('blocks') });
  }
  for (const h of ivhds) {
    const base = toBigInt(h.mmioBase) ?? 0n;
    if (base === 0n || base === U64_ALL_ONES) {
      push({ code: base === 0n ? 'IVRS_IVHD_BASE_ZERO' : 'IVRS_IVHD_BASE_ALL_ONES', severity: 'error', message: `IVHD[${h.index}] (type 0x${h.type.toString(16)}) IOMMU base address is ${h.mmioBase} ("AMD-Vi: Error: IVHD"); this IOMMU cannot be used. Update the BIOS.`, evidence: ev(`IVHD[${h.index}].mmioBase`) });
    }
    checkRanges(h, push, ev);
  }
  if (ivhds.length > 0 && table.walkComplete) checkIoapics(ivhds, ctx, push, ev);
  checkIvmds(table.blocks.filter((b): b is IvrsIvmd => b.family === 'IVMD'), ctx, push, ev);
  return findings;
}

type Ev = (f: string) => { source: string; field: string }[];

function checkRanges(h: IvrsIvhd, push: (f: Finding) => void, ev: Ev): void {
  let open = -1;
  h.entries.forEach((e, i) => {
    if (e.kind === 'START' || e.kind === 'ALIAS_START' || e.kind === 'EXT_START') {
      if (open >= 0) push({ code: 'IVRS_RANGE_UNTERMINATED', severity: 'warning', message: `IVHD[${h.index}] range starting at device ${h.entries[open]!.bdf} has no END entry before the next range start.`, evidence: ev(`IVHD[${h.index}].deviceEntries[${open}]`) });
      open = i;
    } else if (e.kind === 'END') {
      if (open < 0) push({ code: 'IVRS_RANGE_END_WITHOUT_START', severity: 'warning', message: `IVHD[${h.index}] END entry for device ${e.bdf} closes no range.`, evidence: ev(`IVHD[${h.index}].deviceEntries[${i}]`) });
      open = -1;
    }
  });
  if (open >= 0) push({ code: 'IVRS_RANGE_UNTERMINATED', severity: 'warning', message: `IVHD[${h.index}] range starting at device ${h.entries[open]!.bdf} has no END entry.`, evidence: ev(`IVHD[${h.index}].deviceEntries[${open}]`) });
}

function checkIoapics(ivhds: IvrsIvhd[], ctx: AcpiCheckContext, push: (f: Finding) => void, ev: Ev): void {
  const handles = new Set<number>();
  const typesWithSb = new Set<number>();
  const types = new Set<number>();
  let anyIoapic = false;
  for (const h of ivhds) {
    types.add(h.type);
    for (const e of h.entries) {
      if (e.kind !== 'SPECIAL' || e.variety !== 1) continue;
      anyIoapic = true;
      handles.add(e.handle!);
      if (e.specialDevid === IOAPIC_SB_DEVID) typesWithSb.add(h.type);
    }
  }
  const missingIds = (ctx.ioapicIds ?? []).filter((id) => !handles.has(id));
  const idHint = missingIds.length > 0 ? `${missingIds[0]}` : '<id>';
  const override = `add ivrs_ioapic[${idHint}]=00:14.0 to the Xen command line (${idHint === '<id>' ? 'id = the southbridge IO-APIC ID from the MADT / "IOAPIC[0]: apic_id N" boot line' : 'IO-APIC ID from the MADT'}) and ask the vendor for a BIOS update`;
  if (typesWithSb.size === 0) {
    push({
      code: 'IVRS_NO_SOUTHBRIDGE_IOAPIC',
      severity: 'error',
      message: `${anyIoapic ? 'No IVHD has an IOAPIC special entry for the southbridge IO-APIC 00:14.0' : 'The IVRS has no IOAPIC special entry (type 48h, variety 1) at all'}: Xen and Linux refuse interrupt remapping ("No southbridge IO-APIC found in IVRS table") and Xen disables the IOMMU. Workaround: ${override}.`,
      evidence: ivhds.map((h) => ev(`IVHD[${h.index}].deviceEntries`)[0]!),
    });
  } else if (typesWithSb.size < types.size) {
    const missing = [...types].filter((t) => !typesWithSb.has(t)).map((t) => `0x${t.toString(16)}`);
    push({ code: 'IVRS_SOUTHBRIDGE_IOAPIC_PARTIAL', severity: 'warning', message: `IVHD type(s) ${missing.join(', ')} lack the southbridge IO-APIC 00:14.0 entry that the other IVHD types have; an OS that uses those types cannot enable interrupt remapping.`, evidence: ev('IVHD') });
  }
  for (const id of missingIds) {
    push({ code: 'IVRS_IOAPIC_NOT_IN_IVRS', severity: 'error', message: `IO-APIC ${id} from the MADT has no IOAPIC special entry in the IVRS ("[Firmware Bug]: IOAPIC[${id}] not in IVRS table"); interrupt remapping cannot be enabled. Workaround: add ivrs_ioapic[${id}]=<bus:dev.fn of that IO-APIC> to the Xen command line; ask for a BIOS update.`, evidence: ev('IVHD') });
  }
}

function checkIvmds(ivmds: IvrsIvmd[], ctx: AcpiCheckContext, push: (f: Finding) => void, ev: Ev): void {
  const ranges: { m: IvrsIvmd; start: bigint; end: bigint }[] = [];
  for (const m of ivmds) {
    const start = toBigInt(m.startAddress) ?? 0n;
    const len = toBigInt(m.memoryLength) ?? 0n;
    if (len === 0n) continue;
    const end = start + len - 1n;
    ranges.push({ m, start, end });
    if (ctx.e820 && coveredByReserved(ctx.e820, start, end) === false) {
      push({ code: 'IVRS_IVMD_NOT_RESERVED', severity: 'warning', message: `IVMD[${m.index}] range [${m.startAddress}, +${m.memoryLength}) is not (entirely) in E820-reserved memory.`, evidence: ev(`IVMD[${m.index}].startAddress`) });
    }
  }
  ranges.sort((a, b) => (a.start < b.start ? -1 : a.start > b.start ? 1 : 0));
  // Compare each range with the one reaching furthest so far, so a long range overlapping several is caught.
  let reach = ranges[0];
  for (let i = 1; i < ranges.length; i++) {
    const p = reach!;
    const c = ranges[i]!;
    if (c.end > p.end) reach = c;
    if (c.start <= p.end) {
      push({ code: 'IVRS_IVMD_OVERLAP', severity: 'warning', message: `IVMD[${p.m.index}] and IVMD[${c.m.index}] memory ranges overlap.`, evidence: [ev(`IVMD[${p.m.index}]`)[0]!, ev(`IVMD[${c.m.index}]`)[0]!] });
    }
  }
}
