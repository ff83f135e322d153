import { createHash } from 'node:crypto';
import type { Finding } from '../common';
import { asciiField } from './bytes';
import type { AcpiCheckContext } from './context';
import { DMAR_SIGNATURES, decodeDmar, restoreDmarSignature } from './dmar';
import { checkDmar } from './dmar-checks';
import type { DmarTable } from './dmar.types';
import { decodeIvrs } from './ivrs';
import { checkIvrs } from './ivrs-checks';
import type { IvrsTable } from './ivrs.types';

/**
 * A decoded IOMMU table with all its findings (structural from decoding plus the semantic checks), or an
 * `unknown` result for any other signature.
 */
export type AcpiTableReport =
  | { kind: 'DMAR'; table: DmarTable; findings: Finding[] }
  | { kind: 'IVRS'; table: IvrsTable; findings: Finding[] }
  | { kind: 'unknown'; signature: string; findings: Finding[] };

/**
 * Decode and check a table by its signature: DMAR/RMAD/XMAR (VT-d; RMAD and XMAR are Xen's renamings, see
 * evidence-spec §0.3) or IVRS (AMD-Vi). Other signatures give `kind: 'unknown'` with an info finding.
 */
export function decodeAcpiTable(bytes: Uint8Array, ctx: AcpiCheckContext = {}): AcpiTableReport {
  const signature = asciiField(bytes, 0, 4);
  const opts = ctx.source ? { source: ctx.source } : {};
  if ((DMAR_SIGNATURES as readonly string[]).includes(signature)) {
    const table = decodeDmar(bytes, opts);
    return { kind: 'DMAR', table, findings: [...table.findings, ...checkDmar(table, ctx)] };
  }
  if (signature === 'IVRS') {
    const table = decodeIvrs(bytes, opts);
    return { kind: 'IVRS', table, findings: [...table.findings, ...checkIvrs(table, ctx)] };
  }
  if (bytes.length < 36) {
    return { kind: 'unknown', signature, findings: [{ code: 'ACPI_TABLE_TOO_SHORT', severity: 'error', message: `Only ${bytes.length} bytes: not even a 36-byte ACPI header, so the table cannot be identified.`, evidence: [{ source: ctx.source ?? 'acpi' }] }] };
  }
  return { kind: 'unknown', signature, findings: [{ code: 'ACPI_UNKNOWN_TABLE', severity: 'info', message: `Table signature "${signature}" is neither DMAR/RMAD/XMAR nor IVRS; not decoded.`, evidence: [{ source: ctx.source ?? `acpi/${signature}` }] }] };
}

/**
 * SHA-256 (hex) of the table as the firmware shipped it: RMAD/XMAR are turned back into DMAR first (see
 * `restoreDmarSignature`), so the same BIOS hashes the same under Xen and on bare metal. This is the table
 * identity of the §9 firmware-health key. Bytes past the header length (a padded capture) are not hashed.
 */
export function tableSha256(bytes: Uint8Array): string {
  const restored = restoreDmarSignature(bytes);
  const len = restored.length >= 8 ? new DataView(restored.buffer, restored.byteOffset).getUint32(4, true) : restored.length;
  const body = len >= 36 && len < restored.length ? restored.subarray(0, len) : restored;
  return createHash('sha256').update(body).digest('hex');
}
