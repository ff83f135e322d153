import type { Finding } from '../common';
import { splitLines } from '../common';
import { dmiValue } from './dmi-values';
import type { DmiFirmware, DmiIdentity } from './dmi.types';

const SOURCE = 'dmidecode.txt';
const HANDLE_RE = /^Handle 0x[0-9A-Fa-f]+, DMI type (\d+)/;
/** Section titles dmidecode prints, for `dmidecode -q` output that has no `Handle` lines. */
const TITLES: Record<string, number> = { 'BIOS Information': 0, 'System Information': 1, 'Base Board Information': 2, 'Chassis Information': 3 };

type Target = { firmware: keyof DmiFirmware } | { other: Exclude<keyof DmiIdentity, 'firmware' | 'findings' | 'chassisTypeCode'>; raw?: true };
/** SMBIOS type → dmidecode key → where it goes (dmidecode `dmi_decode`, types 0–3). */
const FIELDS: Record<number, Record<string, Target>> = {
  0: { Vendor: { firmware: 'biosVendor' }, Version: { firmware: 'biosVersion' }, 'Release Date': { firmware: 'biosDate' }, 'BIOS Revision': { firmware: 'biosRelease' } },
  1: {
    Manufacturer: { firmware: 'sysVendor' }, 'Product Name': { firmware: 'productName' }, Version: { other: 'productVersion' },
    'Serial Number': { other: 'productSerial', raw: true }, UUID: { other: 'productUuid', raw: true },
    'SKU Number': { other: 'productSku' }, Family: { other: 'productFamily' },
  },
  2: {
    Manufacturer: { firmware: 'boardVendor' }, 'Product Name': { firmware: 'boardName' }, Version: { other: 'boardVersion' },
    'Serial Number': { other: 'boardSerial', raw: true },
  },
  3: { Manufacturer: { other: 'chassisVendor' }, Type: { other: 'chassisType' }, 'Serial Number': { other: 'chassisSerial', raw: true } },
};

/**
 * Parse `dmidecode` text into the same identity as {@link parseDmiFiles}. Sections start with
 * `Handle 0x…, DMI type N, M bytes` and a title line (or only the title with `dmidecode -q`); fields are
 * `\tKey: Value` lines, list items are indented twice. Types 0 (BIOS), 1 (System), 2 (Base Board, also the
 * short 8-byte form) and 3 (Chassis) are read, in any order; the first section of each type wins.
 * dmidecode prints `Not Specified` for an absent string (sysfs prints an empty file), so it becomes undefined,
 * as do whitespace-only values; placeholders are kept and flagged.
 */
export function parseDmidecode(text: string): DmiIdentity {
  const findings: Finding[] = [];
  const out: DmiIdentity = { firmware: {}, findings };
  const { lines, truncated } = splitLines(typeof text === 'string' ? text : '');
  const seen = new Set<number>();
  let pendingType: number | undefined;
  let type: number | undefined;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    if (line.trim() === '') continue;
    const c = line.charCodeAt(0);
    if (c !== 9 && c !== 32) {
      const h = HANDLE_RE.exec(line);
      if (h) {
        pendingType = parseInt(h[1], 10);
        type = undefined;
        continue;
      }
      const title = line.trim();
      const t = pendingType ?? TITLES[title];
      pendingType = undefined;
      type = t !== undefined && FIELDS[t] && !seen.has(t) ? t : undefined;
      if (type !== undefined) seen.add(type);
      continue;
    }
    if (type === undefined || (c === 9 && line.charCodeAt(1) === 9)) continue;
    const colon = line.indexOf(':');
    if (colon < 0) continue;
    const target = FIELDS[type][line.slice(0, colon).trim()];
    if (!target) continue;
    const raw = line.slice(colon + 1);
    const ref = { source: SOURCE, line: i + 1 };
    const trimmed = raw.trim();
    if (trimmed === 'Not Specified') continue;
    if (trimmed === '<BAD INDEX>') {
      findings.push({ code: 'DMI_BAD_INDEX', severity: 'warning', message: 'dmidecode printed <BAD INDEX>: the SMBIOS string table is broken.', evidence: [{ ...ref, text: line }] });
      continue;
    }
    if ('firmware' in target) {
      const v = dmiValue(target.firmware, raw, ref, findings);
      if (v !== undefined) out.firmware[target.firmware] = v;
    } else if (target.raw) {
      if (trimmed !== '') out[target.other] = trimmed;
    } else {
      const v = dmiValue(target.other, raw, ref, findings);
      if (v !== undefined) out[target.other] = v;
    }
  }
  if (truncated) findings.push({ code: 'DMIDECODE_TRUNCATED', severity: 'warning', message: 'dmidecode output exceeds the size limit; the tail was not read.' });
  for (const [t, name] of [[0, 'BIOS Information (type 0)'], [1, 'System Information (type 1)'], [2, 'Base Board Information (type 2)']] as const) {
    if (!seen.has(t)) findings.push({ code: 'DMIDECODE_SECTION_MISSING', severity: 'info', message: `dmidecode output has no ${name} section.` });
  }
  return out;
}
