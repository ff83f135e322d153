import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { randomUUID } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { inflateSnapshotPayload, Jobs, parseNormalizePayload } from './jobs';

const HOST = '9d4f8a52-1c1e-4a36-9a51-6a2f3b7c8d90';

/** A snapshot's wire JSON with `evidence` and `facts` as given (already JSON text). */
const snapshotJson = (evidence: string, facts = '{}') =>
  `{"schemaVersion":1,"snapshotId":"${randomUUID()}","collectedAt":"2026-11-25T10:00:00Z","bootId":"b1","agent":{"version":"0.1.0"},` +
  `"host":{"hostname":"h","machineId":"m"},"facts":${facts},"evidence":${evidence}}`;

/** A queued gzip item as the API enqueues it, inflated as the worker does. */
const inflated = (json: string) =>
  inflateSnapshotPayload({ hostId: HOST, receivedAt: '2026-11-25T10:00:01.000Z', snapshotId: 'x', collectedAt: 'y', snapshotGzip: gzipSync(json).toString('base64') });

/** What the full schema says of the same payload. */
const full = (payload: unknown) => {
  const r = Jobs['snapshot.normalize'].safeParse(payload);
  return r.success ? { ok: true, data: r.data } : { ok: false };
};

describe(parseNormalizePayload.name, () => {
  it('accepts a clean inflated snapshot with the same data as the full schema', () => {
    const p = inflated(snapshotJson('{"xl-info.txt":"xen_version : 4.17\\n\\"q\\" \\u00e9 \\ud83d\\ude00"}'));
    const r = parseNormalizePayload(p);
    expect(r).toEqual({ ok: true, data: full(p).data });
    expect(r.ok && r.data.snapshot.evidence?.['xl-info.txt']).toBe('xen_version : 4.17\n"q" é 😀');
  });

  it('refuses an escaped NUL or a lone surrogate (the text holds such an escape: the full schema runs), naming the path', () => {
    expect(parseNormalizePayload(inflated(snapshotJson('{"xl-info.txt":"a\\u0000b"}')))).toEqual({
      ok: false,
      reason: expect.stringMatching(/^snapshot\.evidence\.xl-info\.txt: .*NUL/),
    });
    expect(parseNormalizePayload(inflated(snapshotJson('{}', '{"cpu":{"model":"x\\udc00"}}')))).toEqual({
      ok: false,
      reason: expect.stringMatching(/^snapshot\.facts\.cpu\.model: /),
    });
  });

  it('still checks nesting depth when it skips the string scan, and field errors name the field', () => {
    const deep = '{"a":'.repeat(100) + '1' + '}'.repeat(100);
    expect(parseNormalizePayload(inflated(snapshotJson('{}', deep)))).toEqual({ ok: false, reason: expect.stringMatching(/^snapshot\.facts(\.a)+: nested deeper than/) });
    expect(parseNormalizePayload(inflated(snapshotJson('{"xl-info.txt":12}')))).toEqual({ ok: false, reason: expect.stringMatching(/^snapshot\.evidence\.xl-info\.txt: /) });
  });

  it('raw bytes that are no valid UTF-8 (a CESU-8 surrogate, a stray continuation byte) inflate to U+FFFD, never to a lone surrogate', () => {
    const json = Buffer.concat([Buffer.from(snapshotJson('{"xl-info.txt":"a@b"}').split('@')[0]!), Buffer.from([0xed, 0xa0, 0x80, 0x80]), Buffer.from(snapshotJson('{"xl-info.txt":"a@b"}').split('@')[1]!)]);
    const p = inflateSnapshotPayload({ hostId: HOST, receivedAt: '2026-11-25T10:00:01.000Z', snapshotId: 'x', collectedAt: 'y', snapshotGzip: gzipSync(json).toString('base64') });
    const r = parseNormalizePayload(p);
    expect(r).toEqual({ ok: true, data: full(p).data });
    expect(r.ok && [...r.data.snapshot.evidence!['xl-info.txt']!].every((c) => c.codePointAt(0)! < 0xd800 || c.codePointAt(0)! > 0xdfff)).toBe(true);
  });

  it('takes the full schema for a payload not inflated from gzip', () => {
    const plain = { hostId: HOST, receivedAt: '2026-11-25T10:00:01.000Z', snapshot: JSON.parse(snapshotJson('{"xl-info.txt":"a\\u0000b"}')) as unknown };
    expect(parseNormalizePayload(plain)).toEqual({ ok: false, reason: expect.stringMatching(/^snapshot\.evidence\.xl-info\.txt: .*NUL/) });
  });

  it('agrees with the full schema on any evidence and facts text', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), fc.dictionary(fc.string(), fc.oneof(fc.string({ unit: 'binary' }), fc.integer())), (text, facts) => {
        const p = inflated(snapshotJson(JSON.stringify({ 'xl-info.txt': text }), JSON.stringify(facts)));
        const r = parseNormalizePayload(p);
        const f = full(p);
        expect(r.ok).toBe(f.ok);
        if (r.ok) expect(r.data).toEqual(f.data);
      }),
      { numRuns: 300 },
    );
  });
});
