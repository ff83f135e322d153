import type { AcpiTableVerdict } from '../../contracts/src/verdicts';
import type { Finding } from '../../evidence/src/common';
import type { XenLogSignal } from '../../evidence/src/host-facts/types';
import type { EvidenceRef, HostFacts } from './facts';
import { isArm, logSignal } from './facts';
import { iommuVerdict } from './iommu';
import { findFirmwareBugs } from './knowledge';

type Table = 'DMAR' | 'IVRS';

const DMAR_WORDS = /DMAR|RMRR|DRHD|RHSA|ANDD|VT-D/i;
const IVRS_WORDS = /IVRS|IVHD|IVMD/i;

/** Xen boot-log finding codes (libs/evidence xl-dmesg) that are about a table, not about hardware or faults. */
const XEN_TABLE_CODES: Record<string, Table> = {
  XEN_DMAR_PARSE_FAILED: 'DMAR',
  XEN_DMAR_INVALID_ENTRY_LENGTH: 'DMAR',
  XEN_DMAR_INVALID_WIDTH: 'DMAR',
  XEN_DMAR_MULTIPLE_INCLUDE_ALL: 'DMAR',
  XEN_DMAR_NONEXISTENT_DEVICE: 'DMAR',
  XEN_RMRR_OVERLAP: 'DMAR',
  XEN_RMRR_NOT_RESERVED: 'DMAR',
  XEN_IVRS_ERROR: 'IVRS',
  XEN_IVRS_WARNING: 'IVRS',
  XEN_IVHD_NO_IOAPIC_INFO: 'IVRS',
  XEN_NO_SOUTHBRIDGE_IOAPIC: 'IVRS',
  XEN_IVHD_TYPE_UNSUPPORTED: 'IVRS',
};

/**
 * Which IOMMU table a log finding is about: Xen codes by an explicit list (AMD-Vi page faults or VT-d
 * hardware limits are not table faults), Linux codes by prefix (`LINUX_DMAR_*` → DMAR; `LINUX_IVRS_*`,
 * `LINUX_IVHD_*`, `LINUX_AMDVI_*` → IVRS), checksum findings and anything else by the words in it.
 */
export function findingTable(f: Finding): Table | undefined {
  if (f.code.startsWith('XEN_') && f.code !== 'XEN_ACPI_BAD_CHECKSUM') return XEN_TABLE_CODES[f.code];
  if (f.code.startsWith('LINUX_DMAR_')) return 'DMAR';
  if (/^LINUX_(IVRS|IVHD|AMDVI)_/.test(f.code)) return 'IVRS';
  const text = `${f.message} ${(f.evidence ?? []).map((e) => e.text ?? '').join(' ')}`;
  if (DMAR_WORDS.test(text)) return 'DMAR';
  if (IVRS_WORDS.test(text)) return 'IVRS';
  return undefined;
}

/** A Linux line that the kernel marks as a firmware bug (evidence-spec §3). */
const isFirmwareBugLine = (f: Finding): boolean => (f.evidence ?? []).some((e) => /\[Firmware Bug\]|BIOS is broken/.test(e.text ?? ''));

interface SignalRule {
  signal: XenLogSignal;
  table: Table;
  code: string;
  severity: Finding['severity'];
  message: string;
}

const SIGNAL_RULES: readonly SignalRule[] = [
  { signal: 'dmarParseFailed', table: 'DMAR', code: 'XEN_DMAR_PARSE_FAILED', severity: 'error', message: 'Xen failed to parse the DMAR table and disabled VT-d: update the BIOS.' },
  { signal: 'dmarInvalidEntryLength', table: 'DMAR', code: 'XEN_DMAR_INVALID_ENTRY_LENGTH', severity: 'error', message: 'A DMAR entry has an invalid length.' },
  { signal: 'dmarOverlappingRmrrs', table: 'DMAR', code: 'XEN_DMAR_OVERLAPPING_RMRRS', severity: 'error', message: 'The DMAR table has overlapping RMRRs.' },
  { signal: 'checksumDmar', table: 'DMAR', code: 'XEN_ACPI_BAD_CHECKSUM', severity: 'error', message: 'The DMAR table checksum is wrong.' },
  { signal: 'rmrrNotReserved', table: 'DMAR', code: 'XEN_RMRR_NOT_RESERVED', severity: 'warning', message: 'An RMRR lies outside reserved memory: devices in its scope may misbehave when passed through; update the BIOS.' },
  { signal: 'checksumIvrs', table: 'IVRS', code: 'XEN_ACPI_BAD_CHECKSUM', severity: 'error', message: 'The IVRS table checksum is wrong.' },
  { signal: 'amdViError', table: 'IVRS', code: 'XEN_IVRS_ERROR', severity: 'error', message: 'Xen reported an error in the IVRS table.' },
  { signal: 'ivhdError', table: 'IVRS', code: 'XEN_IVHD_ERROR', severity: 'error', message: 'The IVRS table has no information for an IO-APIC: add ivrs_ioapic[] or update the BIOS.' },
  {
    signal: 'noSouthbridgeIoapic',
    table: 'IVRS',
    code: 'XEN_NO_SOUTHBRIDGE_IOAPIC',
    severity: 'error',
    message: 'The IVRS table lacks the southbridge IO-APIC: add ivrs_ioapic[<id>]=00:14.0 to the Xen command line, or update the BIOS.',
  },
  { signal: 'ivmdNotReserved', table: 'IVRS', code: 'XEN_IVMD_NOT_RESERVED', severity: 'warning', message: 'An IVMD range lies outside reserved memory.' },
];

const key = (f: Finding): string => `${f.code}@${f.evidence?.[0]?.source ?? ''}:${f.evidence?.[0]?.line ?? ''}`;

function collectFindings(facts: HostFacts, table: Table): Finding[] {
  const tf = table === 'DMAR' ? facts.acpi.dmar : facts.acpi.ivrs;
  const out: Finding[] = [...(tf?.findings ?? [])];
  const seenLines = new Set<string>();
  for (const f of facts.xenLog?.findings ?? []) {
    if (f.severity === 'info' || findingTable(f) !== table) continue;
    out.push(f);
    for (const e of f.evidence ?? []) seenLines.add(`${e.source}:${e.line}`);
  }
  for (const r of SIGNAL_RULES) {
    const ref = r.table === table ? logSignal(facts, r.signal) : undefined;
    if (ref && !seenLines.has(`${ref.source}:${ref.line}`)) out.push({ code: r.code, severity: r.severity, message: r.message, evidence: [ref] });
  }
  if (facts.linuxLog && !facts.linuxLog.xenPv) {
    // evidence-spec §9: on bare metal any Linux [Firmware Bug] line about the table makes it broken.
    for (const f of facts.linuxLog.findings) {
      if (f.severity !== 'info' && findingTable(f) === table) out.push(isFirmwareBugLine(f) ? { ...f, severity: 'error' } : f);
    }
  }
  const uniq = new Map<string, Finding>();
  for (const f of out) if (!uniq.has(key(f))) uniq.set(key(f), f);
  return [...uniq.values()].slice(0, 512);
}

/**
 * Health of one IOMMU ACPI table (evidence-spec §9 "DMAR/IVRS health"): `broken` on error-class table
 * checks, Xen DMAR/IVRS errors or bare-metal Linux `[Firmware Bug]` lines; `degraded` on warnings or
 * ranges outside reserved memory; `ok` when read (or parsed by Xen) without findings; `absent` when the
 * table inventory is known and the table is not in it; otherwise `unknown`. Carries signature, SHA-256
 * and OEM revision (the table fingerprint for "BIOS versions with broken tables").
 */
export function acpiTableVerdict(facts: HostFacts, table: Table): AcpiTableVerdict {
  const tf = table === 'DMAR' ? facts.acpi.dmar : facts.acpi.ivrs;
  const findings = collectFindings(facts, table);
  const listed = (table === 'DMAR' ? ['RMAD', 'XMAR', 'DMAR'] : ['IVRS']).filter((s) => facts.acpi.tablesSeen.includes(s));
  const meta = {
    ...(tf ? { signature: tf.signature } : listed.length > 0 ? { signature: listed[0]! } : {}),
    ...(tf?.sha256 ? { sha256: tf.sha256 } : {}),
    ...(tf?.oemRevision !== undefined ? { oemRevision: tf.oemRevision } : {}),
  };
  const evidence: EvidenceRef[] = [...(tf ? [{ source: tf.source, field: 'header' }] : []), ...findings.flatMap((f) => f.evidence ?? [])].slice(0, 256);
  const bugs = findFirmwareBugs(facts.firmware, table).map((b) => `Known firmware bug on ${b.vendor} ${b.board}: ${b.note}`);
  const errors = findings.filter((f) => f.severity === 'error');
  if (errors.length > 0) {
    return { status: 'broken', findings, ...meta, reasons: [...errors.map((f) => f.message).slice(0, 16), 'Update the BIOS; report the table to the vendor.', ...bugs].slice(0, 64), evidence };
  }
  const warnings = findings.filter((f) => f.severity === 'warning');
  if (warnings.length > 0) return { status: 'degraded', findings, ...meta, reasons: [...warnings.map((f) => f.message).slice(0, 16), ...bugs].slice(0, 64), evidence };
  if (tf) return { status: 'ok', findings, ...meta, reasons: [`The ${table} table (found as ${tf.signature}) passed every check.`], evidence };
  const iommu = iommuVerdict(facts);
  const kindMatches = iommu.kind === (table === 'DMAR' ? 'vt-d' : 'amd-vi');
  if (listed.length > 0) {
    const sig = { signature: listed[0]! };
    if (iommu.status === 'yes' && kindMatches) {
      return { status: 'ok', findings, ...sig, reasons: [`Xen parsed the ${table} table and enabled the IOMMU; the table bytes were not captured.`], evidence: iommu.evidence };
    }
    return { status: 'unknown', findings, ...sig, reasons: [`The ${table} table is listed but its bytes were not captured: copy /sys/firmware/acpi/tables/${listed[0]}.`], evidence };
  }
  if (iommu.status === 'yes' && kindMatches) {
    return { status: 'ok', findings, reasons: [`Xen parsed the ${table} table and enabled the IOMMU; the table bytes were not captured.`], evidence: iommu.evidence };
  }
  if (facts.acpi.inventoryKnown || isArm(facts)) {
    return { status: 'absent', findings, reasons: [isArm(facts) ? `Arm hosts have no ${table} table (the SMMU is described by the device tree or IORT).` : `The firmware provides no ${table} table.`], evidence };
  }
  return { status: 'unknown', findings, reasons: [`No ACPI evidence (acpi/${table === 'DMAR' ? 'RMAD|XMAR|DMAR' : 'IVRS'}, acpidump, or a complete boot log listing) was captured.`], evidence };
}

/** DMAR (found as RMAD, XMAR or DMAR in dom0) health verdict; see {@link acpiTableVerdict}. */
export const acpiDmarVerdict = (facts: HostFacts): AcpiTableVerdict => acpiTableVerdict(facts, 'DMAR');
/** IVRS health verdict; see {@link acpiTableVerdict}. */
export const acpiIvrsVerdict = (facts: HostFacts): AcpiTableVerdict => acpiTableVerdict(facts, 'IVRS');
