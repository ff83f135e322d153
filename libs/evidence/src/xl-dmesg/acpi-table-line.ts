/**
 * One ACPI table from the boot-time table listing printed by ACPICA's `acpi_tb_print_table_header`.
 *
 * Xen (old ACPICA in xen/drivers/acpi/tables/tbutils.c): `ACPI: DMAR CFFAF280, 166D (r2 AMD    COREBOOT    10001 INTL 20161222)`,
 * i.e. `%4.4s %08lX, %04X (r%d %6.6s %8.8s %8X %4.4s %8X)`.
 * Linux (tbprint.c): `ACPI: DMAR 0x000000008C6E2000 0000A8 (v01 INTEL  EDK2     00000002      01000013)`,
 * i.e. `%-4.4s 0x%016X %06X (v%.2d %-6.6s %-8.8s %08X %-4.4s %08X)`.
 * RSDP prints only the OEM id (`(r2 CORE  )`, `(v02 ALASKA)`), FACS has no parenthesis at all.
 * OEM ids may contain spaces (`A M I`), so the fixed column widths are used first, whitespace splitting second.
 */
export interface AcpiTableEntry {
  /** The 4-character signature as printed: `DMAR`, `RMAD`/`XMAR` (DMAR renamed by Xen for dom0), `IVRS`, … */
  signature: string;
  /** Physical address, lower-case hex with `0x` and without leading zeros (`0xcffaf280`), so Xen and Linux spellings compare equal. */
  address: string;
  /** Table length in bytes. */
  length: number;
  revision?: number;
  oemId?: string;
  oemTableId?: string;
  oemRevision?: number;
  aslId?: string;
  aslRevision?: number;
  /** 1-based line in the log. */
  line: number;
}

const HEAD = /^ACPI: ([A-Za-z0-9_$!]{4}) (?:0x)?([0-9A-Fa-f]{1,16}),? (?:0x)?([0-9A-Fa-f]{1,8})(?: \((.*)\))?\s*$/;
const HEX = /^[0-9A-Fa-f]{1,8}$/;

function hexNumber(s: string): number | undefined {
  const t = s.trim();
  return HEX.test(t) ? parseInt(t, 16) : undefined;
}

function normalizeAddress(hex: string): string {
  const stripped = hex.replace(/^0+/, '').toLowerCase();
  return `0x${stripped === '' ? '0' : stripped}`;
}

function parseInner(inner: string, entry: AcpiTableEntry): void {
  const m = /^[rv](\d{1,3}) ?/.exec(inner);
  if (!m) return;
  entry.revision = parseInt(m[1], 10);
  const rest = inner.slice(m[0].length);
  // Fixed columns: 6 OEM id, space, 8 table id, space, 8 hex, space, 4 ASL id, space, hex.
  if (rest.length >= 31 && rest[6] === ' ' && rest[15] === ' ' && rest[24] === ' ' && rest[29] === ' ') {
    const oemRevision = hexNumber(rest.slice(16, 24));
    const aslRevision = hexNumber(rest.slice(30));
    if (oemRevision !== undefined && aslRevision !== undefined) {
      entry.oemId = rest.slice(0, 6).trim();
      entry.oemTableId = rest.slice(7, 15).trim();
      entry.oemRevision = oemRevision;
      entry.aslId = rest.slice(25, 29).trim();
      entry.aslRevision = aslRevision;
      return;
    }
  }
  const words = rest.trim().split(/\s+/).filter((w) => w !== '');
  if (words.length === 5 && hexNumber(words[2]) !== undefined && hexNumber(words[4]) !== undefined) {
    entry.oemId = words[0];
    entry.oemTableId = words[1];
    entry.oemRevision = hexNumber(words[2]);
    entry.aslId = words[3];
    entry.aslRevision = hexNumber(words[4]);
  } else if (words.length >= 1 && words.length < 5) {
    // RSDP (OEM id only) or a collapsed/partial line: keep what is unambiguous.
    entry.oemId = rest.length <= 6 ? rest.trim() : words[0];
  }
}

/**
 * Parse one ACPI table listing line (prefix such as `(XEN) ` or `[ 0.000] ` already removed). Returns
 * undefined for any other line. Linear time.
 */
export function parseAcpiTableLine(body: string, line: number): AcpiTableEntry | undefined {
  if (!body.startsWith('ACPI: ') || body.length > 512) return undefined;
  const m = HEAD.exec(body);
  if (!m) return undefined;
  const entry: AcpiTableEntry = { signature: m[1], address: normalizeAddress(m[2]), length: parseInt(m[3], 16), line };
  if (m[4] !== undefined) parseInner(m[4], entry);
  return entry;
}

/** The ACPI checksum warning (Xen: `ACPI Warning (tbutils-NNNN): Incorrect checksum in table [DMAR] - XX, should be YY`; Linux: `ACPI BIOS Warning (bug): Incorrect checksum in table [IVRS] - 0x5C, should be 0x60 (…)`). */
export interface AcpiChecksumWarning {
  signature: string;
  found?: number;
  expected?: number;
}

const CHECKSUM = /Incorrect checksum in table \[([^\]]{1,8})\](?: - (?:0x)?([0-9A-Fa-f]{1,2}),? should be (?:0x)?([0-9A-Fa-f]{1,2}))?/;

/** Match the ACPI bad-checksum warning anywhere in a line. */
export function parseAcpiChecksumWarning(body: string): AcpiChecksumWarning | undefined {
  if (!body.includes('Incorrect checksum in table [')) return undefined;
  const m = CHECKSUM.exec(body);
  if (!m) return undefined;
  return {
    signature: m[1],
    ...(m[2] !== undefined ? { found: parseInt(m[2], 16) } : {}),
    ...(m[3] !== undefined ? { expected: parseInt(m[3], 16) } : {}),
  };
}
