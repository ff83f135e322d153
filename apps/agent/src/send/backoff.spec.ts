import { describe, expect, it } from '@jest/globals';
import { parseDuration, sleep } from '../duration';
import { backoffDelay, parseRetryAfter } from './backoff';

describe(parseRetryAfter.name, () => {
  const now = Date.parse('2026-01-01T00:00:00Z');
  it.each([
    ['delta seconds', '120', 120_000],
    ['zero', '0', 0],
    ['HTTP date in the future', 'Thu, 01 Jan 2026 00:00:30 GMT', 30_000],
    ['HTTP date in the past', 'Wed, 31 Dec 2025 23:00:00 GMT', 0],
    ['garbage', 'soon', undefined],
    ['negative', '-5', undefined],
    ['absent', undefined, undefined],
  ])('%s', (_n, value, ms) => {
    expect(parseRetryAfter(value, now)).toBe(ms);
  });
});

describe(backoffDelay.name, () => {
  it('grows exponentially up to the cap, with jitter between half the base and the ceiling', () => {
    expect([0, 1, 2, 3, 10].map((a) => backoffDelay(a, 1000, 5000, () => 1))).toEqual([1000, 2000, 4000, 5000, 5000]);
    expect([0, 1, 2, 10].map((a) => backoffDelay(a, 1000, 5000, () => 0))).toEqual([500, 500, 500, 500]);
  });
});

describe(parseDuration.name, () => {
  it.each([
    ['1h', 3_600_000],
    ['10m', 600_000],
    ['30s', 30_000],
    ['250ms', 250],
    ['1h30m', 5_400_000],
    ['90', 90_000],
    ['1.5s', 1500],
    ['', undefined],
    ['10 minutes', undefined],
    ['h', undefined],
  ])('%s', (text, ms) => {
    expect(parseDuration(text)).toBe(ms);
  });
});

describe(sleep.name, () => {
  it('ends early, returning false, when the signal aborts', async () => {
    const c = new AbortController();
    const t0 = Date.now();
    setTimeout(() => c.abort(), 20);
    expect(await sleep(10_000, c.signal)).toBe(false);
    expect(Date.now() - t0).toBeLessThan(1000);
    expect(await sleep(1)).toBe(true);
  });
});
