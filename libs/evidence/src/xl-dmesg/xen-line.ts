/**
 * Xen console line normalization (evidence-spec §2): an optional host-side `[date time] ` stamp before
 * `(XEN)`, the `(XEN) ` prefix, then an optional Xen `console_timestamps` stamp (`[2020-12-24 08:34:49]`,
 * `[    1.234567]`, raw). Bodies such as `[VT-D]Invalid…` or `[VT-D] Non-existent…` are not timestamps:
 * only brackets holding digits, spaces, `.`, `:`, `-` and `T` are stripped.
 */
export interface XenLine {
  /** The message with prefixes removed; leading spaces of the message (` - Dom0 mode`) are kept. */
  body: string;
  /** Whether the line carried `(XEN)`. Lines without it (mail wraps, excerpts) are still read. */
  xen: boolean;
}

const STAMP = /^\[[0-9 .:\-T]{1,40}\] ?/;

/** Strip console prefixes from one line. Linear; never throws. */
export function stripXenPrefix(line: string): XenLine {
  let s = line;
  if (s.startsWith('[')) {
    const m = STAMP.exec(s);
    if (m && s.startsWith('(XEN)', m[0].length)) s = s.slice(m[0].length);
  }
  if (!s.startsWith('(XEN)')) return { body: s, xen: false };
  s = s.slice(5);
  if (s.startsWith(' ')) s = s.slice(1);
  if (s.startsWith('[')) {
    const m = STAMP.exec(s);
    if (m) s = s.slice(m[0].length);
  }
  return { body: s, xen: true };
}
