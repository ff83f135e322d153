import { HEADER_RE } from './lspci-lines';

/** What an lspci device header line says: `bdf class [cccc]: name [vvvv:dddd] (rev xx) (prog-if xx [name])`. */
export interface LspciHeader {
  bdf: string;
  className: string;
  classCode?: string;
  name: string;
  vendorId?: string;
  deviceId?: string;
  revision?: string;
  progIf?: string;
}

const TRAILING_IDS_RE = /\[([0-9a-fA-F]{4}):([0-9a-fA-F]{4})\]$/;
const CLASS_CODE_RE = /\[([0-9a-fA-F]{4})\]$/;
const REV_RE = /\(rev ([0-9a-fA-F]+)\)$/;
const PROGIF_RE = /\(prog-if ([0-9a-fA-F]{2})(?: \[[^\]]*\])?\)$/;

/** Domain-qualify and lower-case a PCI address: `3b:00.0` → `0000:3b:00.0`. Returns undefined when it is not one. */
export function normalizeBdf(text: string): string | undefined {
  const m = /^(?:([0-9a-fA-F]{1,8}):)?([0-9a-fA-F]{1,2}):([0-9a-fA-F]{1,2})\.([0-7])$/.exec(text.trim());
  if (!m) return undefined;
  const domain = (m[1] ?? '0').toLowerCase().padStart(4, '0');
  return `${domain}:${m[2].toLowerCase().padStart(2, '0')}:${m[3].toLowerCase().padStart(2, '0')}.${m[4]}`;
}

/**
 * Parse a device header (pciutils `lspci.c` `show_device`/`show_terse`). With `-nn` the class carries `[cccc]`
 * and the name ends in `[vvvv:dddd]`; `(rev xx)` and `(prog-if xx [name])` follow the name.
 */
export function parseLspciHeader(text: string): LspciHeader | undefined {
  const m = HEADER_RE.exec(text);
  if (!m) return undefined;
  const bdf = `${(m[1] ?? '0000').toLowerCase().padStart(4, '0')}:${m[2].toLowerCase()}:${m[3].toLowerCase()}.${m[4]}`;
  const rest = m[5];
  const colon = rest.indexOf(': ');
  let classPart = colon >= 0 ? rest.slice(0, colon) : rest;
  let name = colon >= 0 ? rest.slice(colon + 2) : '';
  const header: LspciHeader = { bdf, className: '', name: '' };
  const cc = CLASS_CODE_RE.exec(classPart);
  if (cc) {
    header.classCode = cc[1].toLowerCase();
    classPart = classPart.slice(0, cc.index).trimEnd();
  }
  header.className = classPart.trim();
  const pi = PROGIF_RE.exec(name);
  if (pi) {
    header.progIf = pi[1].toLowerCase();
    name = name.slice(0, pi.index).trimEnd();
  }
  const rev = REV_RE.exec(name);
  if (rev) {
    header.revision = rev[1].toLowerCase();
    name = name.slice(0, rev.index).trimEnd();
  }
  const ids = TRAILING_IDS_RE.exec(name);
  if (ids) {
    header.vendorId = ids[1].toLowerCase();
    header.deviceId = ids[2].toLowerCase();
    name = name.slice(0, ids.index).trimEnd();
  }
  header.name = name.trim();
  return header;
}
