import { bytesFromBase64, bytesFromHex, decodeAcpiTable, tableFromIaslText, tablesFromAcpidump, tableSha256 } from '../acpi';
import type { AcpiCheckContext, E820Range } from '../acpi';
import { splitLines } from '../common';
import type { Finding } from '../common';
import { stripXenPrefix } from '../xl-dmesg';
import type { AcpiTableFacts } from './types';

/** DMAR-family signatures in the order dom0 evidence is read (evidence-spec §0.3): Xen's renamings first. */
export const DMAR_PRIORITY = ['RMAD', 'XMAR', 'DMAR'] as const;

const MAX_TABLE_FINDINGS = 64;
const E820_LINE = /^\s*([0-9a-fA-F]{8,16}) - ([0-9a-fA-F]{8,16}) \(([^)]{1,40})\)\s*$/;
const IOAPIC_LINE = /^IOAPIC\[\d{1,3}\]: apic_id (\d{1,3})/;

/**
 * The ACPI check context from a Xen boot log: the `Xen-e820 RAM map` ranges (end exclusive, as Xen prints
 * them) and IO-APIC ids from `IOAPIC[n]: apic_id N` lines. Used for the RMRR/IVMD reserved-memory and
 * IO-APIC coverage checks (evidence-spec §4). Empty fields when the log has no such lines.
 */
export function acpiContextFromXenLog(text: string): AcpiCheckContext {
  const e820: E820Range[] = [];
  const ioapicIds: number[] = [];
  let inMap = false;
  for (const raw of splitLines(text).lines) {
    const { body } = stripXenPrefix(raw);
    if (body.startsWith('Xen-e820 RAM map')) {
      inMap = true;
      continue;
    }
    if (inMap) {
      const m = E820_LINE.exec(body);
      if (m) {
        e820.push({ start: `0x${m[1]}`, end: `0x${m[2]}`, type: m[3]! });
        continue;
      }
      inMap = false;
    }
    const io = IOAPIC_LINE.exec(body);
    if (io && !ioapicIds.includes(Number(io[1]))) ioapicIds.push(Number(io[1]));
  }
  return { ...(e820.length > 0 ? { e820 } : {}), ...(ioapicIds.length > 0 ? { ioapicIds } : {}) };
}

/**
 * Table bytes from an evidence value: raw bytes, `base64:<data>` (snapshot raw evidence), `iasl -d` text
 * with a "Raw Table Data" dump, or plain hex. Undefined when nothing decodable is there.
 */
export function tableBytes(value: string | Uint8Array, source: string): { bytes: Uint8Array; findings: Finding[] } | undefined {
  if (typeof value !== 'string') return value.length > 0 ? { bytes: value, findings: [] } : undefined;
  if (value.startsWith('base64:')) {
    const bytes = bytesFromBase64(value);
    return bytes.length > 0 ? { bytes, findings: [] } : undefined;
  }
  const iasl = tableFromIaslText(value, source);
  if (iasl) return { bytes: iasl.bytes, findings: iasl.findings };
  const hex = bytesFromHex(value);
  return hex.length >= 4 ? { bytes: hex, findings: [] } : undefined;
}

/** Decode, check and fingerprint one IOMMU table (signature as found, SHA-256, OEM revision, findings). */
export function tableFacts(bytes: Uint8Array, source: string, ctx: AcpiCheckContext, extra: Finding[] = []): AcpiTableFacts {
  const report = decodeAcpiTable(bytes, { ...ctx, source });
  const header = report.kind === 'unknown' ? undefined : report.table.header;
  // Only DMAR/RMAD/XMAR/IVRS files reach here, so bytes that are neither are a broken table, not "no findings".
  const mismatch: Finding[] =
    report.kind === 'unknown'
      ? [{ code: 'ACPI_SIGNATURE_MISMATCH', severity: 'error', message: `${source} does not hold a DMAR/RMAD/XMAR or IVRS table (its signature reads ${JSON.stringify(report.signature)}): the table is corrupt or the capture is wrong.`, evidence: [{ source, field: 'header.signature' }] }]
      : [];
  const findings = [...extra, ...mismatch, ...report.findings].filter((f) => f.severity !== 'info').slice(0, MAX_TABLE_FINDINGS);
  return {
    signature: header?.signature ?? (report.kind === 'unknown' ? report.signature : report.kind),
    source,
    sha256: tableSha256(bytes),
    ...(header
      ? { length: header.length, oemId: header.oemId, oemTableId: header.oemTableId, oemRevision: header.oemRevision }
      : {}),
    findings,
  };
}

/** `acpi/<SIG>` or `acpi/<SIG>.dat` → SIG. */
export const acpiSignatureOf = (path: string): string | undefined => {
  const m = /^acpi\/([A-Za-z0-9_$!]{4})(?:\.dat)?$/.exec(path);
  return m ? m[1]!.toUpperCase() : undefined;
};

/** Tables from `acpidump.txt` by signature (first of each), as bytes. */
export function acpidumpTables(text: string): Map<string, Uint8Array> {
  const out = new Map<string, Uint8Array>();
  for (const t of tablesFromAcpidump(text)) if (!out.has(t.signature)) out.set(t.signature, t.bytes);
  return out;
}
