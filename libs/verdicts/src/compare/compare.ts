import type { ChangeEvent, ChangeSeverity } from './events';
import type { ComparableState, TableFingerprint } from './state';

const known = (s: string): boolean => s !== 'unknown';
const lost = (from: string, to: string, good: string): boolean => from === good && to !== good && known(to);
const fwLabel = (s: ComparableState): string =>
  [s.firmware.biosVendor, s.firmware.biosVersion, s.firmware.biosDate].filter((x) => x !== undefined && x !== '').join(' ') || 'unknown firmware';

const sameTable = (a: TableFingerprint | null, b: TableFingerprint | null): boolean =>
  a === null || b === null ? a === b : a.signature === b.signature && a.sha256 === b.sha256 && a.oemRevision === b.oemRevision;

/**
 * Whether a firmware change can explain a transition: the firmware key changed (both known), the Xen
 * version did not, and the IOMMU command-line options did not (evidence-spec §9 "Alert", conditions 1 and
 * 3 plus the Xen-upgrade suppression).
 */
const firmwareOnlyChange = (a: ComparableState, b: ComparableState): boolean =>
  a.firmwareKey !== null && b.firmwareKey !== null && a.firmwareKey !== b.firmwareKey && a.xenVersion === b.xenVersion && a.iommuKey === b.iommuKey;

/** Severity of "BIOS update disabled the IOMMU": critical when the table vanished, or changed and is now broken. */
function biosIommuSeverity(prev: ComparableState, next: ComparableState): { severity: ChangeSeverity; why: string } {
  const had = prev.tables.dmar ?? prev.tables.ivrs;
  const has = next.tables.dmar ?? next.tables.ivrs;
  if (had && !has) return { severity: 'critical', why: `the ${had.signature} table disappeared (a BIOS setting turned the IOMMU off)` };
  const changed = !sameTable(prev.tables.dmar, next.tables.dmar) || !sameTable(prev.tables.ivrs, next.tables.ivrs);
  if (changed && (next.statuses.acpiDmar === 'broken' || next.statuses.acpiIvrs === 'broken')) {
    return { severity: 'critical', why: 'the IOMMU table changed and is now broken' };
  }
  return { severity: 'warning', why: 'the IOMMU table is unchanged or its state unknown' };
}

function statusEvents(prev: ComparableState, next: ComparableState): ChangeEvent[] {
  const out: ChangeEvent[] = [];
  const p = prev.statuses;
  const n = next.statuses;
  const d = (k: keyof ComparableState['statuses']) => ({ verdict: k, from: p[k], to: n[k] });
  if (lost(p.iommu, n.iommu, 'yes')) out.push({ type: 'iommu_lost', severity: 'warning', message: `IOMMU went from yes to ${n.iommu}: PCI passthrough no longer works.`, details: d('iommu') });
  if (lost(n.iommu, p.iommu, 'yes')) out.push({ type: 'iommu_restored', severity: 'info', message: `IOMMU went from ${p.iommu} to yes.`, details: d('iommu') });
  if (lost(p.hvm, n.hvm, 'yes')) out.push({ type: 'hvm_lost', severity: 'warning', message: `HVM went from yes to ${n.hvm}: HVM guests cannot start.`, details: d('hvm') });
  if (lost(n.hvm, p.hvm, 'yes')) out.push({ type: 'hvm_restored', severity: 'info', message: `HVM went from ${p.hvm} to yes.`, details: d('hvm') });
  if (lost(p.hap, n.hap, 'yes')) out.push({ type: 'hap_lost', severity: 'warning', message: `HAP went from yes to ${n.hap}: HVM guests fall back to shadow paging.`, details: d('hap') });
  if (lost(n.hap, p.hap, 'yes')) out.push({ type: 'hap_restored', severity: 'info', message: `HAP went from ${p.hap} to yes.`, details: d('hap') });
  for (const k of ['acpiDmar', 'acpiIvrs'] as const) {
    const name = k === 'acpiDmar' ? 'DMAR' : 'IVRS';
    if (p[k] !== 'broken' && known(p[k]) && n[k] === 'broken') {
      out.push({ type: 'acpi_broken', severity: 'warning', message: `The ${name} table became broken (was ${p[k]}).`, details: { ...d(k), table: name } });
    }
    if (n[k] !== 'broken' && known(n[k]) && p[k] === 'broken') {
      out.push({ type: 'acpi_fixed', severity: 'info', message: `The ${name} table is no longer broken (now ${n[k]}).`, details: { ...d(k), table: name } });
    }
  }
  return out;
}

function biosEvents(prev: ComparableState, next: ComparableState): ChangeEvent[] {
  if (!firmwareOnlyChange(prev, next)) return [];
  const out: ChangeEvent[] = [];
  const base = { firmwareFrom: prev.firmwareKey, firmwareTo: next.firmwareKey, xenVersion: next.xenVersion, iommuKey: next.iommuKey };
  const adminOff = (s: ComparableState) => s.iommuDisabledByAdmin || s.statuses.iommu === 'disabled-by-admin';
  if (lost(prev.statuses.iommu, next.statuses.iommu, 'yes') && !adminOff(next)) {
    const sev = biosIommuSeverity(prev, next);
    out.push({
      type: 'bios_update_disabled_iommu',
      severity: sev.severity,
      message: `BIOS update (${fwLabel(prev)} → ${fwLabel(next)}) disabled the IOMMU (VT-d/AMD-Vi): now ${next.statuses.iommu}; ${sev.why}. Re-enable it in the BIOS setup.`,
      details: { ...base, from: prev.statuses.iommu, to: next.statuses.iommu, tablesFrom: prev.tables, tablesTo: next.tables },
    });
  }
  if (lost(next.statuses.iommu, prev.statuses.iommu, 'yes') && !adminOff(prev)) {
    out.push({
      type: 'bios_update_enabled_iommu',
      severity: 'info',
      message: `BIOS update (${fwLabel(prev)} → ${fwLabel(next)}) brought the IOMMU back (was ${prev.statuses.iommu}).`,
      details: { ...base, from: prev.statuses.iommu, to: next.statuses.iommu, tablesFrom: prev.tables, tablesTo: next.tables },
    });
  }
  if (prev.statuses.hvm === 'yes' && next.statuses.hvm === 'disabled-by-firmware') {
    out.push({
      type: 'bios_update_disabled_hvm',
      severity: 'critical',
      message: `BIOS update (${fwLabel(prev)} → ${fwLabel(next)}) disabled VT-x/AMD-V: HVM guests cannot start. Re-enable virtualization in the BIOS setup.`,
      details: { ...base, from: prev.statuses.hvm, to: next.statuses.hvm },
    });
  }
  if (prev.statuses.hvm === 'disabled-by-firmware' && next.statuses.hvm === 'yes') {
    out.push({
      type: 'bios_update_enabled_hvm',
      severity: 'info',
      message: `BIOS update (${fwLabel(prev)} → ${fwLabel(next)}) enabled VT-x/AMD-V again.`,
      details: { ...base, from: prev.statuses.hvm, to: next.statuses.hvm },
    });
  }
  return out;
}

function sriovEvent(prev: ComparableState, next: ComparableState): ChangeEvent[] {
  const key = (s: ComparableState) => JSON.stringify(s.sriov);
  if (key(prev) === key(next)) return [];
  const byBdf = (s: ComparableState) => new Map(s.sriov.map((d) => [d.bdf, d]));
  const a = byBdf(prev);
  const b = byBdf(next);
  const bdfs = [...new Set([...a.keys(), ...b.keys()])].sort();
  const changes = bdfs
    .filter((x) => JSON.stringify(a.get(x) ?? null) !== JSON.stringify(b.get(x) ?? null))
    .map((x) => ({ bdf: x, from: a.get(x) ?? null, to: b.get(x) ?? null }));
  const status = prev.statuses.sriov === next.statuses.sriov ? '' : ` (status ${prev.statuses.sriov} → ${next.statuses.sriov})`;
  return [{ type: 'sriov_changed', severity: 'info', message: `SR-IOV changed on ${changes.length} device(s)${status}.`, details: { from: prev.statuses.sriov, to: next.statuses.sriov, changes } }];
}

/**
 * Events between two consecutive snapshots of one host (the caller orders them). Deterministic, and
 * symmetric: compareSnapshots(b, a) yields the mirror of each event ({@link MIRROR_EVENT}) in the same
 * order, with `from`/`to` swapped. Fires `bios_update_disabled_iommu` when the firmware key changed, the
 * IOMMU went yes → not yes (and not admin-disabled) and the IOMMU command line did not change; suppressed
 * when the Xen version changed. `bios_update_disabled_hvm` for HVM yes → disabled-by-firmware likewise.
 */
export function compareSnapshots(prev: ComparableState, next: ComparableState): ChangeEvent[] {
  const out: ChangeEvent[] = [];
  if (prev.bootId !== next.bootId) out.push({ type: 'boot_changed', severity: 'info', message: 'The host rebooted.', details: { from: prev.bootId, to: next.bootId } });
  if (prev.firmwareKey !== null && next.firmwareKey !== null && prev.firmwareKey !== next.firmwareKey) {
    out.push({
      type: 'firmware_changed',
      severity: 'info',
      message: `Firmware changed: ${fwLabel(prev)} → ${fwLabel(next)}.`,
      details: { from: prev.firmwareKey, to: next.firmwareKey, firmwareFrom: prev.firmware, firmwareTo: next.firmware },
    });
  }
  out.push(...biosEvents(prev, next), ...statusEvents(prev, next), ...sriovEvent(prev, next));
  return out;
}
