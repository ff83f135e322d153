import { CmdlineToken, normalizeOptionName, parseXenBool, tokenizeCmdline } from './tokenize';

/**
 * The Xen `iommu=` list (docs/misc/xen-command-line.pandoc, `parse_iommu_param` in
 * xen/drivers/passthrough/iommu.c). Each item is a boolean (`0|no|off|false|disable`, `1|yes|on|true|enable`),
 * or a named sub-option written `name`, `no-name` or `name=<bool>`. `required` is a synonym of `force`.
 * Occurrences are applied in order, so a later item overrides an earlier one (`iommu=force iommu=no-intremap`
 * sets both).
 */
export interface XenIommuParam {
  /** The boolean item: `iommu=0` → false, `iommu=1`/bare `iommu` → true, `no-iommu` → false. */
  enabled?: boolean;
  /** `force` or `required`: Xen panics when the IOMMU cannot be enabled. */
  force?: boolean;
  intremap?: boolean;
  intpost?: boolean;
  sharept?: boolean;
  qinval?: boolean;
  /** `dom0-passthrough` (deprecated since 4.13 in favour of `dom0-iommu=passthrough`); also old `passthrough`. */
  dom0Passthrough?: boolean;
  dom0Strict?: boolean;
  debug?: boolean;
  verbose?: boolean;
  /** Every item, name normalized (`-` → `_`), value true/false, or the text for non-boolean items (`quarantine=scratch-page`). */
  items: Record<string, boolean | string>;
}

/** `dom0-iommu=` (Xen 4.13+): `passthrough`, `strict`, `map-inclusive`, `map-reserved`, `none` (4.15+), each `[no-]name[=<bool>]`. */
export interface XenDom0IommuParam {
  passthrough?: boolean;
  strict?: boolean;
  mapInclusive?: boolean;
  mapReserved?: boolean;
  none?: boolean;
  items: Record<string, boolean | string>;
}

/** An `ivrs_ioapic[<handle>]=<bdf>` / `ivrs_hpet[<handle>]=<bdf>` override (also the `<handle>@<bdf>` spelling). */
export interface IvrsOverride {
  /** The IO-APIC or HPET id as written (`4`, `0x4`). */
  handle: string;
  /** `[seg:]bus:dev.fn` as written, e.g. `00:14.0`. */
  bdf: string;
  raw: string;
}

/** The Xen hypervisor command line (`xl info` `xen_commandline`, or `Command line:` in `xl dmesg`), tokenized and interpreted. */
export interface XenCommandline {
  tokens: CmdlineToken[];
  /** Option name (normalized: `-` → `_`, lower case) → value; `null` for a bare flag. The last occurrence wins. */
  options: Record<string, string | null>;
  /** Words after ` -- ` (Xen appends them to dom0's kernel command line). */
  dom0Extra: string[];
  /** Merged `iommu=` occurrences (and bare `iommu` / `no-iommu`); undefined when none was given. */
  iommu?: XenIommuParam;
  dom0Iommu?: XenDom0IommuParam;
  /** `hap=<bool>`, bare `hap`, or `no-hap`. */
  hap?: boolean;
  hap_1gb?: boolean;
  hap_2mb?: boolean;
  /** Legacy/compat `intremap=<bool>` (spec §9 treats `intremap=0` like `iommu=no-intremap`). */
  intremap?: boolean;
  /** `iommu_inclusive_mapping=<bool>` (VT-d, ≤4.12; the fix the 4.7–4.13 RMRR message suggests). */
  iommuInclusiveMapping?: boolean;
  ivrsIoapic: IvrsOverride[];
  ivrsHpet: IvrsOverride[];
  /** `ivmd=` entries (split on `;`), as written. */
  ivmd: string[];
  /** `rmrr=` entries (split on `;`), as written. */
  rmrr: string[];
  /**
   * A canonical string of every IOMMU-related option (interpreted `iommu=`/`dom0-iommu=` with sorted keys,
   * intremap, inclusive mapping, ivrs/ivmd/rmrr overrides, other `iommu*` options), sorted. Two snapshots with
   * equal keys had the same IOMMU command line. Empty when there is none.
   */
  iommuKey: string;
  /** `iommu=0|no|off|false|disable` (or `no-iommu`) as the final boolean item. */
  iommuDisabledByAdmin: boolean;
  /** `hap=0` / `no-hap`. */
  hapDisabledByAdmin: boolean;
  /** `iommu=no-intremap` / `iommu=intremap=0` or `intremap=0`. */
  intremapDisabledByAdmin: boolean;
}

const IOMMU_ITEM_FIELDS: Record<string, keyof Omit<XenIommuParam, 'items' | 'enabled'>> = {
  force: 'force',
  required: 'force',
  intremap: 'intremap',
  intpost: 'intpost',
  sharept: 'sharept',
  qinval: 'qinval',
  dom0_passthrough: 'dom0Passthrough',
  passthrough: 'dom0Passthrough',
  dom0_strict: 'dom0Strict',
  debug: 'debug',
  verbose: 'verbose',
};

/** Items that mean the same thing, so `iommu=required` and `iommu=force` give one canonical item. */
const IOMMU_ITEM_SYNONYMS: Record<string, string> = { required: 'force', passthrough: 'dom0_passthrough' };

const DOM0_ITEM_FIELDS: Record<string, keyof Omit<XenDom0IommuParam, 'items'>> = {
  passthrough: 'passthrough',
  strict: 'strict',
  map_inclusive: 'mapInclusive',
  map_reserved: 'mapReserved',
  none: 'none',
};

/** Parse one `[no-]name[=<bool>]` list item into a normalized name and a boolean (or text). */
function parseListItem(item: string): { name: string; value: boolean | string } {
  const eq = item.indexOf('=');
  const rawName = normalizeOptionName(eq < 0 ? item : item.slice(0, eq));
  if (eq >= 0) {
    const text = item.slice(eq + 1);
    const b = parseXenBool(text);
    return { name: rawName, value: b ?? text };
  }
  if (rawName.startsWith('no_')) return { name: rawName.slice(3), value: false };
  return { name: rawName, value: true };
}

function applyIommuList(target: XenIommuParam, list: string): void {
  for (const item of list.split(',')) {
    if (item === '') continue;
    const asBool = parseXenBool(item);
    if (asBool !== undefined) {
      target.enabled = asBool;
      target.items.enabled = asBool;
      continue;
    }
    const { name: written, value } = parseListItem(item);
    const name = IOMMU_ITEM_SYNONYMS[written] ?? written;
    target.items[name] = value;
    const field = IOMMU_ITEM_FIELDS[name];
    if (field && typeof value === 'boolean') target[field] = value;
  }
}

function applyDom0List(target: XenDom0IommuParam, list: string): void {
  for (const item of list.split(',')) {
    if (item === '') continue;
    const { name, value } = parseListItem(item);
    target.items[name] = value;
    const field = DOM0_ITEM_FIELDS[name];
    if (field && typeof value === 'boolean') target[field] = value;
  }
}

/** Xen boolean option semantics: bare `name` → true, `name=<bool>`, bare `no-name` → false. */
function boolOption(name: string, token: { norm: string; value: string | null }): boolean | undefined {
  if (token.norm === name) return token.value === null ? true : parseXenBool(token.value);
  if (token.norm === `no_${name}` && token.value === null) return false;
  return undefined;
}

const emptyRecord = <T>(): Record<string, T> => Object.create(null) as Record<string, T>;

const BOOL_OPTIONS = ['hap', 'hap_1gb', 'hap_2mb', 'intremap', 'iommu_inclusive_mapping'] as const;

function parseOverride(handleAndBdf: { handle: string; bdf: string }, raw: string): IvrsOverride {
  return { handle: handleAndBdf.handle.toLowerCase(), bdf: handleAndBdf.bdf.toLowerCase(), raw };
}

function override(norm: string, kind: 'ivrs_ioapic' | 'ivrs_hpet', value: string | null, raw: string): IvrsOverride | undefined {
  if (value === null) return undefined;
  if (norm.startsWith(`${kind}[`) && norm.endsWith(']')) return parseOverride({ handle: norm.slice(kind.length + 1, -1), bdf: value }, raw);
  if (norm === kind) {
    const at = value.indexOf('@');
    if (at > 0) return parseOverride({ handle: value.slice(0, at), bdf: value.slice(at + 1) }, raw);
  }
  return undefined;
}

const sortedPairs = (items: Record<string, boolean | string>): string =>
  Object.keys(items)
    .sort()
    .map((k) => `${k}:${String(items[k])}`)
    .join(',');

const IOMMU_OPTION_PREFIXES = ['iommu', 'amd_iommu', 'dom0_iommu', 'ivrs_', 'ivmd', 'rmrr', 'intremap', 'vtd'];

function buildIommuKey(c: Omit<XenCommandline, 'iommuKey'>): string {
  const parts: string[] = [];
  if (c.iommu) parts.push(`iommu=${sortedPairs(c.iommu.items)}`);
  if (c.dom0Iommu) parts.push(`dom0_iommu=${sortedPairs(c.dom0Iommu.items)}`);
  if (c.intremap !== undefined) parts.push(`intremap=${c.intremap}`);
  if (c.iommuInclusiveMapping !== undefined) parts.push(`iommu_inclusive_mapping=${c.iommuInclusiveMapping}`);
  for (const o of c.ivrsIoapic) parts.push(`ivrs_ioapic[${o.handle}]=${o.bdf}`);
  for (const o of c.ivrsHpet) parts.push(`ivrs_hpet[${o.handle}]=${o.bdf}`);
  for (const e of c.ivmd) parts.push(`ivmd=${e.toLowerCase()}`);
  for (const e of c.rmrr) parts.push(`rmrr=${e.toLowerCase()}`);
  const handled = new Set(['iommu', 'no_iommu', 'dom0_iommu', 'intremap', 'no_intremap', 'iommu_inclusive_mapping', 'no_iommu_inclusive_mapping', 'ivmd', 'rmrr']);
  for (const name of Object.keys(c.options)) {
    if (handled.has(name) || name.startsWith('ivrs_ioapic') || name.startsWith('ivrs_hpet')) continue;
    if (IOMMU_OPTION_PREFIXES.some((p) => name.startsWith(p))) parts.push(`${name}=${c.options[name] ?? ''}`);
  }
  return [...new Set(parts)].sort().join(' ');
}

/**
 * Parse a Xen hypervisor command line. Knows Xen's option grammar: whitespace-separated `name[=value]`,
 * `-`/`_` equivalent in names, `no-` negating boolean options, ` -- ` handing the rest to dom0, and the
 * IOMMU-related options of evidence-spec §1 (`iommu=`, `dom0-iommu=`, `hap*`, `ivrs_ioapic[]`, `ivrs_hpet[]`,
 * `ivmd=`, `rmrr=`). A leading `placeholder` (GRUB's multiboot2 image name) is kept as a bare token.
 * Never throws.
 */
export function parseXenCommandline(cmdline: string): XenCommandline {
  const { tokens, afterDoubleDash } = tokenizeCmdline(cmdline);
  const options = emptyRecord<string | null>();
  const result: Omit<XenCommandline, 'iommuKey' | 'iommuDisabledByAdmin' | 'hapDisabledByAdmin' | 'intremapDisabledByAdmin'> = {
    tokens,
    options,
    dom0Extra: afterDoubleDash,
    ivrsIoapic: [],
    ivrsHpet: [],
    ivmd: [],
    rmrr: [],
  };
  for (const t of tokens) {
    const norm = normalizeOptionName(t.name);
    if (norm === '') continue;
    options[norm] = t.value;
    const tok = { norm, value: t.value };
    if (norm === 'iommu' || (norm === 'no_iommu' && t.value === null)) {
      result.iommu ??= { items: emptyRecord() };
      if (norm === 'no_iommu') applyIommuList(result.iommu, 'off');
      else applyIommuList(result.iommu, t.value ?? 'on');
      continue;
    }
    if (norm === 'dom0_iommu' && t.value !== null) {
      result.dom0Iommu ??= { items: emptyRecord() };
      applyDom0List(result.dom0Iommu, t.value);
      continue;
    }
    if (norm === 'ivmd' && t.value !== null) {
      result.ivmd.push(...t.value.split(';').filter((e) => e !== ''));
      continue;
    }
    if (norm === 'rmrr' && t.value !== null) {
      result.rmrr.push(...t.value.split(';').filter((e) => e !== ''));
      continue;
    }
    const ioapic = override(norm, 'ivrs_ioapic', t.value, t.raw);
    if (ioapic) {
      result.ivrsIoapic.push(ioapic);
      continue;
    }
    const hpet = override(norm, 'ivrs_hpet', t.value, t.raw);
    if (hpet) {
      result.ivrsHpet.push(hpet);
      continue;
    }
    for (const name of BOOL_OPTIONS) {
      const b = boolOption(name, tok);
      if (b === undefined) continue;
      if (name === 'iommu_inclusive_mapping') result.iommuInclusiveMapping = b;
      else result[name] = b;
    }
  }
  return {
    ...result,
    iommuKey: buildIommuKey({ ...result, iommuDisabledByAdmin: false, hapDisabledByAdmin: false, intremapDisabledByAdmin: false }),
    iommuDisabledByAdmin: result.iommu?.enabled === false,
    hapDisabledByAdmin: result.hap === false,
    intremapDisabledByAdmin: result.iommu?.intremap === false || result.intremap === false,
  };
}
