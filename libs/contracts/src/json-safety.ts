/**
 * Checks on JSON values that PostgreSQL and the rest of the pipeline cannot store or process, run on
 * every body the API accepts and (through {@link SnapshotSchema}) by the agent before it sends:
 *
 * - `\u0000` (NUL) in a string or key: PostgreSQL `text` and `jsonb` reject it, so the worker would fail
 *   on it after the API said 202;
 * - lone UTF-16 surrogates (`"\ud800"`): `jsonb` rejects them and `text` silently turns them into U+FFFD,
 *   so the value would not come back as it was sent;
 * - nesting deeper than {@link MAX_JSON_DEPTH}: real snapshots are 7 levels deep; very deep values make
 *   recursive code downstream (`JSON.stringify` in the queue) overflow the stack;
 * - optionally `__proto__` keys and `constructor.prototype` (prototype-pollution gadgets).
 *
 * The walk is iterative, so it is safe on any depth `JSON.parse` returns.
 */

/** Deepest nesting of objects/arrays accepted (a real snapshot has 7). */
export const MAX_JSON_DEPTH = 32;

/** One problem: the dotted path of the value (or key) and what is wrong with it. */
export interface JsonIssue {
  path: (string | number)[];
  message: string;
}

const UNSTORABLE = /\u0000|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;
const QUICK = /[\u0000\ud800-\udfff]/;

/** Why a string cannot be stored as it is, or undefined when it can. */
export function unstorableText(s: string): string | undefined {
  if (!QUICK.test(s)) return undefined;
  const m = UNSTORABLE.exec(s);
  if (!m) return undefined;
  return m[0] === '\u0000'
    ? `contains a NUL character (\\u0000) at index ${m.index}, which cannot be stored`
    : `contains an unpaired UTF-16 surrogate (\\u${m[0].charCodeAt(0).toString(16)}) at index ${m.index}, which is not valid Unicode`;
}

/** Replaces NUL characters with U+FFFD (how the agent keeps binary garbage in a text capture storable). */
export function replaceNul(s: string): string {
  return s.includes('\u0000') ? s.replace(/\u0000/g, '\ufffd') : s;
}

/**
 * Every problem in `value` (up to `maxIssues`), in document order of discovery. Keys are checked like
 * strings; `forbidPrototypeKeys` also reports `__proto__` keys and `constructor.prototype`;
 * `textKnownStorable` checks only structure (and prototype keys): no string or key is scanned, for a
 * value parsed from JSON text that {@link jsonTextMayHoldUnstorable} cleared.
 */
export function findJsonIssues(
  value: unknown,
  opts: { maxDepth?: number; forbidPrototypeKeys?: boolean; maxIssues?: number; textKnownStorable?: boolean } = {},
): JsonIssue[] {
  const maxDepth = opts.maxDepth ?? MAX_JSON_DEPTH;
  const text = !opts.textKnownStorable;
  const maxIssues = opts.maxIssues ?? 20;
  const issues: JsonIssue[] = [];
  const stack: { v: unknown; path: (string | number)[] }[] = [{ v: value, path: [] }];
  while (stack.length > 0 && issues.length < maxIssues) {
    const { v, path } = stack.pop()!;
    if (typeof v === 'string') {
      if (!text) continue;
      const why = unstorableText(v);
      if (why) issues.push({ path, message: why });
      continue;
    }
    if (v === null || typeof v !== 'object') continue;
    if (path.length >= maxDepth) {
      issues.push({ path, message: `nested deeper than ${maxDepth} levels` });
      continue;
    }
    if (Array.isArray(v)) {
      for (let i = v.length - 1; i >= 0; i--) {
        const x = v[i];
        if ((x !== null && typeof x === 'object') || (text && typeof x === 'string')) stack.push({ v: x, path: [...path, i] });
      }
      continue;
    }
    const names = Object.keys(v);
    for (let i = names.length - 1; i >= 0; i--) {
      const k = names[i]!;
      const x = (v as Record<string, unknown>)[k];
      const why = text ? unstorableText(k) : undefined;
      if (why) issues.push({ path: [...path, k], message: `key ${why}` });
      if (opts.forbidPrototypeKeys) {
        if (k === '__proto__') issues.push({ path: [...path, k], message: 'a "__proto__" key is not allowed' });
        else if (k === 'constructor' && x !== null && typeof x === 'object' && Object.prototype.hasOwnProperty.call(x, 'prototype')) {
          issues.push({ path: [...path, k], message: 'a "constructor" key with a "prototype" member is not allowed' });
        }
      }
      if ((x !== null && typeof x === 'object') || (text && typeof x === 'string')) stack.push({ v: x, path: [...path, k] });
    }
  }
  return issues.slice(0, maxIssues);
}

const BACKSLASH = 0x5c;

/** Hex digit value of an ASCII byte, or -1. */
function hexValue(b: number | undefined): number {
  if (b === undefined) return -1;
  if (b >= 0x30 && b <= 0x39) return b - 0x30;
  const l = b | 0x20;
  return l >= 0x61 && l <= 0x66 ? l - 0x61 + 10 : -1;
}

/** Whether the `u` at `j` starts a `\\u` escape: an odd run of backslashes right before it (an even run is escaped backslashes). */
function isEscapeU(buf: Buffer, j: number): boolean {
  let run = 0;
  while (j - 1 - run >= 0 && buf[j - 1 - run] === BACKSLASH) run++;
  return run % 2 === 1;
}

/**
 * Whether a value `JSON.parse` made of this UTF-8 JSON text (which a strict, fatal UTF-8 decoder
 * accepted) could hold a string or key that {@link unstorableText} refuses. JSON text cannot carry a raw
 * NUL (control characters must be escaped) and strict UTF-8 cannot encode a surrogate, so the only way in
 * is a `\u0000` or `\uD800`–`\uDFFF` escape: false means no string in the value needs scanning. Looks for
 * `u0000`, `ud` and `uD` with `indexOf` (no decoding; a needle that starts with the backslash would stop at
 * every `\n` of the evidence text, ~2× slower) and keeps the hits that are escapes.
 */
export function jsonTextMayHoldUnstorable(text: Uint8Array): boolean {
  const buf = Buffer.isBuffer(text) ? text : Buffer.from(text.buffer, text.byteOffset, text.byteLength);
  for (let j = buf.indexOf('u0000'); j !== -1; j = buf.indexOf('u0000', j + 1)) if (isEscapeU(buf, j)) return true;
  for (const needle of ['ud', 'uD']) {
    for (let j = buf.indexOf(needle); j !== -1; j = buf.indexOf(needle, j + 1)) {
      if (hexValue(buf[j + 2]) >= 8 && hexValue(buf[j + 3]) >= 0 && isEscapeU(buf, j)) return true; // \uD800–\uDFFF
    }
  }
  return false;
}
