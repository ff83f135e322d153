import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { readdirSync, readFileSync } from 'fs';
import { join } from 'path';
import { parseProcCmdline, parseXenCommandline } from '../cmdline';
import { parseLinuxDmesg } from '../linux-dmesg';
import { parseXlInfo } from '../xl-info';
import { parseXlDmesg } from './parse-xl-dmesg';

// Property tests for the four text parsers of this folder family: never throw, stay bounded in time.
const corpus = (dir: string): string[] => {
  const full = join(process.cwd(), 'test/fixtures', dir);
  return readdirSync(full)
    .filter((f) => !f.endsWith('.source.txt'))
    .map((f) => readFileSync(join(full, f), 'utf8'));
};

const PARSERS: [string, (s: string) => unknown, string[]][] = [
  ['parseXlInfo', parseXlInfo, corpus('xl-info')],
  ['parseXlDmesg', parseXlDmesg, corpus('xl-dmesg')],
  ['parseLinuxDmesg', parseLinuxDmesg, corpus('linux-dmesg')],
  ['parseXenCommandline', parseXenCommandline, corpus('xl-info')],
  ['parseProcCmdline', parseProcCmdline, corpus('linux-dmesg')],
];

const bytesAsText = fc.uint8Array({ maxLength: 2048 }).map((b) => Buffer.from(b).toString('latin1'));

describe.each(PARSERS)('%s', (_name, parse, files) => {
  it('never throws on random strings and bytes', () => {
    fc.assert(fc.property(fc.oneof(fc.string({ maxLength: 2000 }), fc.string({ unit: 'grapheme', maxLength: 500 }), bytesAsText), (s) => {
      expect(() => parse(s)).not.toThrow();
    }));
  });

  it('never throws on corpus files truncated at any offset or with shuffled lines', () => {
    const file = fc.constantFrom(...files);
    fc.assert(fc.property(file, fc.double({ min: 0, max: 1, noNaN: true }), (text, at) => {
      expect(() => parse(text.slice(0, Math.floor(text.length * at)))).not.toThrow();
    }));
    fc.assert(fc.property(file.chain((text) => fc.shuffledSubarray(text.split('\n'), { minLength: 0 })), (lines) => {
      expect(() => parse(lines.join('\n'))).not.toThrow();
    }));
  });

  it('parses 1–2 MB inputs in bounded time', () => {
    const big = [
      files.join('\n').repeat(Math.ceil(1_500_000 / Math.max(1, files.join('\n').length))),
      ' '.repeat(1_200_000),
      '(XEN) '.repeat(250_000),
      `${'a'.repeat(1_000_000)}:${'b'.repeat(500_000)}`,
      '[Firmware Bug]: IOAPIC['.repeat(60_000),
      'ACPI: DMAR '.repeat(120_000),
      'x=\"'.repeat(400_000),
    ];
    for (const input of big) {
      const t = performance.now();
      parse(input);
      expect(performance.now() - t).toBeLessThan(2000);
    }
  });
});
