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
 * `skipStringValues` checks only structure and keys (when a schema checks the values, see {@link jsonSafe}).
 */
export function findJsonIssues(
  value: unknown,
  opts: { maxDepth?: number; forbidPrototypeKeys?: boolean; maxIssues?: number; skipStringValues?: boolean } = {},
): JsonIssue[] {
  const maxDepth = opts.maxDepth ?? MAX_JSON_DEPTH;
  const strings = !opts.skipStringValues;
  const maxIssues = opts.maxIssues ?? 20;
  const issues: JsonIssue[] = [];
  const stack: { v: unknown; path: (string | number)[] }[] = [{ v: value, path: [] }];
  while (stack.length > 0 && issues.length < maxIssues) {
    const { v, path } = stack.pop()!;
    if (typeof v === 'string') {
      if (!strings) continue;
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
        if (typeof x === 'object' || typeof x === 'string') stack.push({ v: x, path: [...path, i] });
      }
      continue;
    }
    const keys = Object.keys(v);
    for (let i = keys.length - 1; i >= 0; i--) {
      const k = keys[i]!;
      const x = (v as Record<string, unknown>)[k];
      const why = unstorableText(k);
      if (why) issues.push({ path: [...path, k], message: `key ${why}` });
      if (opts.forbidPrototypeKeys) {
        if (k === '__proto__') issues.push({ path: [...path, k], message: 'a "__proto__" key is not allowed' });
        else if (k === 'constructor' && x !== null && typeof x === 'object' && Object.prototype.hasOwnProperty.call(x, 'prototype')) {
          issues.push({ path: [...path, k], message: 'a "constructor" key with a "prototype" member is not allowed' });
        }
      }
      if (typeof x === 'object' || typeof x === 'string') stack.push({ v: x, path: [...path, k] });
    }
  }
  return issues.slice(0, maxIssues);
}

const SAFE = new WeakSet<object>();

/**
 * Marks a schema whose own refinement already runs {@link findJsonIssues} over its output (string values
 * included), so the API's generic pre-check can skip the string scan for it ({@link isJsonSafe}).
 */
export function jsonSafe<S extends object>(schema: S): S {
  SAFE.add(schema);
  return schema;
}

/** Whether {@link jsonSafe} marked this schema. */
export function isJsonSafe(schema: object): boolean {
  return SAFE.has(schema);
}
