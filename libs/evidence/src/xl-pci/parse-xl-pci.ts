import { splitLines } from '../common';
import { normalizeBdf } from '../lspci/lspci-header';

/** One device in `xl pci-assignable-list`. */
export interface AssignablePciDevice {
  /** Domain-qualified, lower case: `0000:03:10.0`. */
  bdf: string;
  /** The name given with `xl pci-assignable-add -n` (Xen 4.16+), when printed. */
  name?: string;
}

/** One device a guest holds, from `xl pci-list <domain>`. */
export interface GuestPciDevice {
  /** The domain name or id the list was taken for. */
  domain: string;
  /** Virtual slot as printed, `dd.f` (e.g. `04.0`). */
  vdev?: string;
  /** Virtual devfn as a number: `(slot << 3) | function`. */
  vdevfn?: number;
  /** Host PCI address, domain-qualified: `0000:03:10.0`. */
  bdf: string;
}

/**
 * `xl pci-assignable-list` (X `tools/xl/xl_pci.c`): one device per line, `%04x:%02x:%02x.%01x %s` with an
 * optional name and a trailing space; `xm`/older `xl` printed `bb:dd.f` without the domain. Lines that do not
 * start with a PCI address are skipped.
 */
export function parsePciAssignableList(text: string): AssignablePciDevice[] {
  const out: AssignablePciDevice[] = [];
  for (const line of splitLines(typeof text === 'string' ? text : '').lines) {
    const trimmed = line.trim();
    const space = trimmed.search(/\s/);
    const bdf = normalizeBdf(space < 0 ? trimmed : trimmed.slice(0, space));
    if (!bdf) continue;
    const name = space < 0 ? '' : trimmed.slice(space).trim();
    out.push(name === '' ? { bdf } : { bdf, name });
  }
  return out;
}

/**
 * `xl pci-list <domain>` (X `tools/xl/xl_pci.c` `pcilist`): a `Vdev Device` header, then rows
 * `%02x.%01x %04x:%02x:%02x.%01x` (virtual slot, host address); newer versions may add columns. Tolerant: any
 * line with a host PCI address counts, the virtual slot is taken when a `dd.f` token precedes it.
 */
export function parseXlPciList(text: string, domain: string): GuestPciDevice[] {
  const out: GuestPciDevice[] = [];
  for (const line of splitLines(typeof text === 'string' ? text : '').lines) {
    const tokens = line.trim().split(/\s+/);
    let vdev: string | undefined;
    for (const token of tokens) {
      const bdf = token.includes(':') ? normalizeBdf(token) : undefined;
      if (bdf) {
        const row: GuestPciDevice = { domain, bdf };
        if (vdev !== undefined) {
          row.vdev = vdev;
          const [slot, fn] = vdev.split('.');
          row.vdevfn = (parseInt(slot, 16) << 3) | parseInt(fn, 10);
        }
        out.push(row);
        break;
      }
      if (/^[0-9a-fA-F]{1,2}\.[0-7]$/.test(token)) vdev = token.toLowerCase().padStart(4, '0');
    }
  }
  return out;
}
