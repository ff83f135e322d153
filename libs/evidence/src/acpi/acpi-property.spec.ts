import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { decodeAcpiTable, decodeDmar, decodeIvrs, tableFromIaslText, tablesFromAcpidump } from './index';

// Garbage in never throws and finishes fast: random bytes, truncations and single-byte mutations of every
// corpus table, a 1 MB random buffer, and a header whose length field claims 4 GB.
const DIR = join(process.cwd(), 'test/fixtures/acpi');
const TABLES = readdirSync(DIR)
  .filter((f) => /\.(dmar|ivrs)\.txt$/.test(f))
  .map((f) => tableFromIaslText(readFileSync(join(DIR, f), 'utf8'))!.bytes);

const timed = <T>(fn: () => T): { value: T; ms: number } => {
  const t0 = performance.now();
  const value = fn();
  return { value, ms: performance.now() - t0 };
};

describe('ACPI decoders on garbage', () => {
  it('random bytes, with and without a DMAR/RMAD/XMAR/IVRS signature, never throw', () => {
    const sig = fc.constantFrom('DMAR', 'RMAD', 'XMAR', 'IVRS', 'FACP');
    fc.assert(
      fc.property(sig, fc.uint8Array({ maxLength: 600 }), (s, body) => {
        const bytes = Uint8Array.from([...s].map((c) => c.charCodeAt(0)).concat([...body]));
        const r = decodeAcpiTable(bytes);
        expect(Array.isArray(r.findings)).toBe(true);
        expect(r.findings.length).toBeLessThanOrEqual(2 * 201);
        decodeDmar(body);
        decodeIvrs(body);
      }),
      { numRuns: 2000 },
    );
  });

  it('every truncation of every corpus table decodes to a prefix of the full structures, with an error finding', () => {
    for (const full of TABLES) {
      const whole = decodeAcpiTable(full);
      for (let n = 0; n < full.length; n++) {
        const r = decodeAcpiTable(full.subarray(0, n));
        expect(r.findings.some((f) => f.severity === 'error')).toBe(true);
        if (n >= 4 && r.kind !== 'unknown' && whole.kind === r.kind) {
          const got = r.kind === 'DMAR' ? r.table.structures.map((s) => s.offset) : r.table.blocks.map((b) => b.offset);
          const all = whole.kind === 'DMAR' ? whole.table.structures.map((s) => s.offset) : whole.kind === 'IVRS' ? whole.table.blocks.map((b) => b.offset) : [];
          expect(all.slice(0, got.length)).toEqual(got);
        }
      }
    }
  });

  it('single-byte mutations of every corpus table never throw, and break the checksum unless compensated', () => {
    fc.assert(
      fc.property(fc.nat({ max: TABLES.length - 1 }), fc.nat(), fc.integer({ min: 1, max: 255 }), (t, pos, delta) => {
        const bytes = Uint8Array.from(TABLES[t]!);
        const i = pos % bytes.length;
        bytes[i] = (bytes[i]! + delta) & 0xff;
        const r = decodeAcpiTable(bytes);
        if (r.kind !== 'unknown' && i !== 4 && i !== 5 && i !== 6 && i !== 7) expect(r.table.checksumValid).toBe(false);
      }),
      { numRuns: 3000 },
    );
  });

  it('a 1 MB random buffer finishes in bounded time, as DMAR, IVRS and hex text', () => {
    const big = new Uint8Array(1024 * 1024);
    for (let i = 0; i < big.length; i++) big[i] = (i * 2654435761) >>> 24;
    for (const sig of ['DMAR', 'IVRS']) {
      big.set([...sig].map((c) => c.charCodeAt(0)), 0);
      big.set([0x00, 0x00, 0x10, 0x00], 4); // length = 1 MB
      const { value, ms } = timed(() => decodeAcpiTable(big));
      expect(value.kind).toBe(sig);
      expect(ms).toBeLessThan(2000);
    }
    let text = 'DMAR @ 0x0\n';
    for (let o = 0; o < 65536; o += 16) text += `    ${o.toString(16).padStart(4, '0')}: ${Array.from(big.subarray(o, o + 16), (b) => b.toString(16).padStart(2, '0')).join(' ')}  ................\n`;
    const { value, ms } = timed(() => tablesFromAcpidump(text));
    expect(value[0]!.bytes.length).toBe(65536);
    expect(ms).toBeLessThan(2000);
    const junk = timed(() => tableFromIaslText('Raw Table Data: Length 5 (0x5)\n' + '0000: '.repeat(200_000)));
    expect(junk.ms).toBeLessThan(2000);
  });

  it('a table whose length field says 4 GB is reported truncated, decoded as far as captured, quickly', () => {
    for (const full of TABLES) {
      const bytes = Uint8Array.from(full);
      bytes.set([0xff, 0xff, 0xff, 0xff], 4);
      const { value, ms } = timed(() => decodeAcpiTable(bytes));
      expect(ms).toBeLessThan(500);
      expect(value.findings.map((f) => f.code)).toContain(`${value.kind}_TRUNCATED`);
    }
  });
});
