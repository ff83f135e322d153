import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { findJsonIssues, jsonTextMayHoldUnstorable, unstorableText } from './json-safety';
import { snapshotWireJson } from './snapshot';

const bytes = (s: string) => Buffer.from(s, 'utf8');

/** Whether any string or key of a parsed value is unstorable (what the skipped scan would have found). */
function holdsUnstorable(v: unknown): boolean {
  if (typeof v === 'string') return unstorableText(v) !== undefined;
  if (v === null || typeof v !== 'object') return false;
  if (Array.isArray(v)) return v.some(holdsUnstorable);
  return Object.entries(v).some(([k, x]) => unstorableText(k) !== undefined || holdsUnstorable(x));
}

describe('jsonTextMayHoldUnstorable', () => {
  it('clears text whose only escapes cannot make NUL or a surrogate', () => {
    expect(jsonTextMayHoldUnstorable(bytes('{"a":"line\\nnext\\ttab \\"q\\" \\\\ \\u00e9 \\ufffd \\u0041"}'))).toBe(false);
    expect(jsonTextMayHoldUnstorable(bytes('{"a":"plain é text"}'))).toBe(false);
    expect(jsonTextMayHoldUnstorable(bytes(''))).toBe(false);
  });

  it('flags \\u0000 and every surrogate escape, in either case', () => {
    for (const esc of ['\\u0000', '\\ud800', '\\uDBFF', '\\udc00', '\\uDFFF', '\\uD83D\\uDE00']) {
      expect(jsonTextMayHoldUnstorable(bytes(`{"k":"x${esc}y"}`))).toBe(true);
      expect(jsonTextMayHoldUnstorable(bytes(`{"x${esc}":1}`))).toBe(true);
    }
  });

  it('reads an escaped backslash before u as text, and a backslash run ending in an escape as an escape', () => {
    expect(jsonTextMayHoldUnstorable(bytes('{"k":"C:\\\\u0000"}'))).toBe(false); // the text \u0000, not a NUL
    expect(JSON.parse('{"k":"C:\\\\u0000"}').k).toBe('C:\\u0000');
    expect(jsonTextMayHoldUnstorable(bytes('{"k":"\\\\\\u0000"}'))).toBe(true); // a backslash, then a NUL
  });

  it('takes a Uint8Array view as well as a Buffer', () => {
    const b = bytes('xx{"k":"\\u0000"}');
    expect(jsonTextMayHoldUnstorable(new Uint8Array(b.buffer, b.byteOffset + 2, b.length - 2))).toBe(true);
  });

  it('never clears a text whose parsed value holds an unstorable string or key (property)', () => {
    const text = fc.string({ unit: fc.oneof(fc.constantFrom('\u0000', '\ud800', '\udfff', '\\', 'u', '0', 'd', 'é', '\ufffd', '\n'), fc.integer({ min: 0, max: 0xffff }).map((c) => String.fromCharCode(c))) });
    const value = fc.dictionary(text, fc.oneof(text, fc.array(text, { maxLength: 3 })), { maxKeys: 4 });
    fc.assert(
      fc.property(value, fc.boolean(), (v, ascii) => {
        const json = ascii ? snapshotWireJson(v) : JSON.stringify(v);
        const parsed = JSON.parse(json) as unknown;
        if (holdsUnstorable(parsed)) expect(jsonTextMayHoldUnstorable(bytes(json))).toBe(true);
      }),
      { numRuns: 2000 },
    );
  });
});

describe('findJsonIssues with textKnownStorable', () => {
  it('still checks depth and prototype keys, and scans no text', () => {
    const deep = JSON.parse('{"a":'.repeat(40) + '1' + '}'.repeat(40)) as unknown;
    expect(findJsonIssues(deep, { textKnownStorable: true })[0]?.message).toMatch(/nested deeper than 32/);
    expect(findJsonIssues(JSON.parse('{"__proto__":{"x":1}}'), { forbidPrototypeKeys: true, textKnownStorable: true })).toHaveLength(1);
    expect(findJsonIssues({ k: 'a\u0000b' }, { textKnownStorable: true })).toEqual([]);
    expect(findJsonIssues({ k: 'a\u0000b' })).toHaveLength(1);
  });
});

describe('snapshotWireJson', () => {
  it('is ASCII and parses back to the same value', () => {
    const v = { s: 'é ü \ufffd 😀 \u0000 \ud800 plain', k: ['ü'] };
    const json = snapshotWireJson(v);
    expect(/^[\x00-\x7f]*$/.test(json)).toBe(true);
    expect(JSON.parse(json)).toEqual(v);
    expect(snapshotWireJson({ a: 'ascii' })).toBe(JSON.stringify({ a: 'ascii' }));
  });
});
