import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { readdirSync, readFileSync } from 'fs';
import { join } from 'path';
import { parseLspci } from './parse-lspci';

const dir = join(process.cwd(), 'test/fixtures/lspci');
const corpus = readdirSync(dir).filter((f) => !f.endsWith('.source.txt')).map((f) => readFileSync(join(dir, f), 'utf8'));
const fragments = ['01:00.0 ', 'Capabilities: ', '[180 v1] ', 'Single Root I/O Virtualization (SR-IOV)', 'Total VFs: ', 'DevCap:', 'FLReset+', ' (rev ', '[8086:1572]', '\t', '\n', ' ', ':', '<access denied>', 'ACSCap:', '\r\n', '...', '00: 86 80'];

describe('parseLspci properties', () => {
  it('never throws on random text', () => {
    fc.assert(fc.property(fc.string({ unit: 'grapheme', maxLength: 400 }), (s) => {
      expect(Array.isArray(parseLspci(s).devices)).toBe(true);
    }));
    fc.assert(fc.property(fc.array(fc.constantFrom(...fragments), { maxLength: 200 }), (parts) => {
      const r = parseLspci(parts.join(''));
      for (const d of r.devices) expect(d.bdf).toMatch(/^[0-9a-f]{4,8}:[0-9a-f]{2}:[0-9a-f]{2}\.[0-7]$/);
    }));
  });

  it('never throws on truncations and line shuffles of each corpus file', () => {
    for (const text of corpus) {
      const lines = text.split('\n');
      fc.assert(fc.property(fc.nat(text.length), (n) => {
        expect(parseLspci(text.slice(0, n)).devices.length).toBeLessThanOrEqual(1);
      }), { numRuns: 50 });
      fc.assert(fc.property(fc.shuffledSubarray(lines), (picked) => {
        expect(() => parseLspci(picked.join('\n'))).not.toThrow();
      }), { numRuns: 50 });
    }
  });

  it('parses ~2 MB of concatenated captures and adversarial long lines in bounded time', () => {
    const one = corpus.join('\n');
    const big = one.repeat(Math.ceil((2 * 1024 * 1024) / one.length));
    let t = performance.now();
    const r = parseLspci(big);
    expect(performance.now() - t).toBeLessThan(5000);
    expect(r.devices.length).toBe(corpus.length * Math.ceil((2 * 1024 * 1024) / one.length));
    for (const evil of [
      '00:00.0 x: ' + ' '.repeat(1_000_000) + 'y',
      '00:00.0 x: ' + '(rev '.repeat(200_000),
      '00:00.0 x: y\n\tCapabilities: [1] Single Root I/O Virtualization (SR-IOV)\n\t' + 'Total VFs: '.repeat(100_000) + ' '.repeat(500_000),
      'Capabilities:' + '\t'.repeat(1_000_000),
    ]) {
      t = performance.now();
      parseLspci(evil);
      expect(performance.now() - t).toBeLessThan(5000);
    }
  });
});
