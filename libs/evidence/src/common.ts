/**
 * Types shared by every evidence parser.
 *
 * Parsers are pure: text or bytes in, typed facts out. They never throw on garbage input; they return
 * what they could read plus `findings` that say what was odd, broken or missing.
 */

/** Names of evidence sources, as in the evidence-directory contract (DESIGN.md). */
export type EvidenceSource =
  | 'xl-info.txt'
  | 'xl-dmesg.txt'
  | 'cpuinfo.txt'
  | 'lspci-vv.txt'
  | 'cmdline.txt'
  | 'dmesg.txt'
  | 'dmidecode.txt'
  | 'xen-capabilities.txt'
  | 'xl-pci-assignable-list.txt'
  | 'acpidump.txt'
  | (string & {}); // dmi/<field>, acpi/<SIG>, sysfs/pci/<BDF>/<file>, hypervisor/<file>, xl-pci-list/<domain>.txt

/** Where a fact came from: the source file and, where there is one, the exact line (1-based) or table field. */
export interface EvidenceRef {
  source: EvidenceSource;
  /** 1-based line number in the source text. */
  line?: number;
  /** The exact line as read (normalized: prefixes such as `(XEN)` and timestamps kept as read). */
  text?: string;
  /** A table field, e.g. `DRHD[0].registerBase` or `IVHD[1].deviceEntries[3]`. */
  field?: string;
}

export type FindingSeverity = 'error' | 'warning' | 'info';

/** Something a parser noticed: a firmware bug, a malformed record, an incomplete capture. */
export interface Finding {
  /** Stable machine code, e.g. `DMAR_CHECKSUM`, `IVRS_NO_SOUTHBRIDGE_IOAPIC`, `XL_DMESG_INCOMPLETE`. */
  code: string;
  severity: FindingSeverity;
  /** A sentence a person understands, with the remediation where one exists. */
  message: string;
  evidence?: EvidenceRef[];
}

/** Upper bound on input size a parser will look at; beyond it the input is truncated and a finding says so. */
export const MAX_TEXT_BYTES = 16 * 1024 * 1024;

/**
 * Split text into lines the way every parser here does: CRLF/CR tolerant, non-breaking spaces
 * turned into plain spaces, input capped at {@link MAX_TEXT_BYTES}.
 */
export function splitLines(text: string): { lines: string[]; truncated: boolean } {
  const truncated = text.length > MAX_TEXT_BYTES;
  const body = truncated ? text.slice(0, MAX_TEXT_BYTES) : text;
  const spaced = body.includes('\u00a0') ? body.replace(/\u00a0/g, ' ') : body;
  // Most captures have no CR: a plain split is several times faster than the regex, with the same lines.
  return { lines: spaced.includes('\r') ? spaced.split(/\r\n|\r|\n/) : spaced.split('\n'), truncated };
}
