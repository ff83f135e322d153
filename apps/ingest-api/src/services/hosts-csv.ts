import type { HostListRow } from '../../../../libs/db/src/repositories/fleet-read.repository';
import { VERDICT_STATUS_COLUMNS } from '../../../../libs/db/src/repositories/host-filter';

const VERDICT_KEYS = Object.keys(VERDICT_STATUS_COLUMNS) as (keyof typeof VERDICT_STATUS_COLUMNS)[];

/** CSV header of the host export (RFC 4180, one row per host). */
export const HOSTS_CSV_HEADER = [
  'id', 'hostname', 'machineId', 'labels', 'lastSeenAt', 'boardVendor', 'boardName', 'biosVendor', 'biosVersion', 'biosDate',
  'xenVersion', ...VERDICT_KEYS, 'sriovTotalVfs', 'sriovNumVfs', 'sriovUsedVfs',
];

/** Quotes a field when it holds a comma, quote or line break; a leading = + - @ is prefixed with ' (spreadsheet injection). */
export function csvField(v: unknown): string {
  let s = v === null || v === undefined ? '' : v instanceof Date ? v.toISOString() : typeof v === 'object' ? JSON.stringify(v) : String(v);
  if (/^[=+\-@\t\r]/.test(s)) s = `'${s}`;
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** The host rows as CSV with a header row, CRLF line ends. */
export function hostsToCsv(rows: HostListRow[]): string {
  const lines = [HOSTS_CSV_HEADER.join(',')];
  for (const r of rows) {
    lines.push(
      [r.id, r.hostname, r.machineId, r.labels, r.lastSeenAt, r.boardVendor, r.boardName, r.biosVendor, r.biosVersion, r.biosDate, r.xenVersion,
        ...VERDICT_KEYS.map((k) => r.statuses[k]), r.sriovTotalVfs, r.sriovNumVfs, r.sriovUsedVfs]
        .map(csvField)
        .join(','),
    );
  }
  return lines.join('\r\n') + '\r\n';
}
