/**
 * Command-line tokenizing shared by the Xen and Linux command-line parsers.
 *
 * Both Xen (`xen/common/kernel.c`) and Linux (`lib/cmdline.c` `next_arg`) split on whitespace and allow a
 * double-quoted value (`name="a b"` or `"name=a b"`); the quotes are not part of the value. A lone `--`
 * ends the options: Xen hands what follows to dom0, Linux to init.
 */

/** One `name[=value]` token: `value` is `null` for a bare flag such as `dom0_vcpus_pin`. */
export interface CmdlineToken {
  /** The name as written (before `=`). */
  name: string;
  /** The value after the first `=`, quotes removed; `null` when there was no `=`. */
  value: string | null;
  /** The token as written, quotes included. */
  raw: string;
}

/** Result of {@link tokenizeCmdline}: the tokens before `--`, and the words after it. */
export interface TokenizedCmdline {
  tokens: CmdlineToken[];
  /** Words after a lone `--` (Xen: appended to the dom0 kernel command line; Linux: passed to init). */
  afterDoubleDash: string[];
}

/** Longest command line looked at (Xen's is 1 KiB, Linux's at most a few KiB); the rest is ignored. */
export const MAX_CMDLINE_CHARS = 64 * 1024;

const isSpace = (c: string): boolean => c === ' ' || c === '\t' || c === '\n' || c === '\r' || c === '\f' || c === '\v';

/** Split a command line into tokens (linear time, never throws). */
export function tokenizeCmdline(cmdline: string): TokenizedCmdline {
  const text = typeof cmdline === 'string' ? cmdline.slice(0, MAX_CMDLINE_CHARS).replace(/\u00a0/g, ' ') : '';
  const words: string[] = [];
  let i = 0;
  while (i < text.length) {
    while (i < text.length && isSpace(text[i])) i++;
    if (i >= text.length) break;
    const start = i;
    let inQuote = false;
    while (i < text.length && (inQuote || !isSpace(text[i]))) {
      if (text[i] === '"') inQuote = !inQuote;
      i++;
    }
    words.push(text.slice(start, i));
  }
  const tokens: CmdlineToken[] = [];
  const afterDoubleDash: string[] = [];
  let afterDash = false;
  for (const raw of words) {
    if (afterDash) {
      afterDoubleDash.push(raw);
      continue;
    }
    if (raw === '--') {
      afterDash = true;
      continue;
    }
    const unquoted = raw.replace(/"/g, '');
    const eq = unquoted.indexOf('=');
    if (eq < 0) tokens.push({ name: unquoted, value: null, raw });
    else tokens.push({ name: unquoted.slice(0, eq), value: unquoted.slice(eq + 1), raw });
  }
  return { tokens, afterDoubleDash };
}

/**
 * Option names as both Xen (`cmdline_strcmp`, 4.12+) and Linux (`parameq`) compare them: `-` and `_` are
 * the same character. Names are normalized to `_` and lower-cased; brackets (`ivrs_ioapic[4]`) are kept.
 */
export function normalizeOptionName(name: string): string {
  return name.replace(/-/g, '_').toLowerCase();
}

/**
 * Xen's `parse_bool()` (xen/common/kernel.c): `0|no|off|false|disable` are false, `1|yes|on|true|enable`
 * are true; anything else is not a boolean (`undefined`).
 */
export function parseXenBool(value: string): boolean | undefined {
  switch (value.toLowerCase()) {
    case '0':
    case 'no':
    case 'off':
    case 'false':
    case 'disable':
      return false;
    case '1':
    case 'yes':
    case 'on':
    case 'true':
    case 'enable':
      return true;
    default:
      return undefined;
  }
}
