import { describe, expect, it } from '@jest/globals';
import { TokenBucketLimiter } from './rate-limiter';
import { TtlCache } from './ttl-cache';
import { generateToken, hashToken, safeEqual } from './tokens';

describe('TokenBucketLimiter', () => {
  it('allows perMinute requests at once, then refuses with the seconds until one token refills', () => {
    let now = 1_000_000;
    const l = new TokenBucketLimiter(3, () => now);
    expect([l.take('a'), l.take('a'), l.take('a')]).toEqual([{ ok: true }, { ok: true }, { ok: true }]);
    expect(l.take('a')).toEqual({ ok: false, retryAfterSec: 20 }); // 3/min → one token every 20 s
    expect(l.take('b')).toEqual({ ok: true }); // buckets are per key
    now += 20_000;
    expect(l.take('a')).toEqual({ ok: true });
    expect(l.take('a')).toEqual({ ok: false, retryAfterSec: 20 });
  });
  it('prunes full buckets when the key limit is reached', () => {
    let now = 0;
    const l = new TokenBucketLimiter(60, () => now, 2);
    l.take('a');
    l.take('b');
    now += 60_000;
    expect(l.take('c')).toEqual({ ok: true });
  });
});

describe('TtlCache', () => {
  it('expires entries after the ttl and evicts the oldest when full', () => {
    let now = 0;
    const c = new TtlCache<number>(200, 2, () => now);
    c.set('a', 1);
    c.set('b', 2);
    c.set('c', 3);
    expect([c.get('a'), c.get('b'), c.get('c')]).toEqual([undefined, 2, 3]);
    now = 199;
    expect(c.get('b')).toBe(2);
    now = 200;
    expect(c.get('b')).toBeUndefined();
    c.set('d', 4);
    c.deleteWhere((v) => v === 4);
    expect(c.get('d')).toBeUndefined();
  });
});

describe('tokens', () => {
  it('makes prefixed 32-byte base64url tokens and hashes them with SHA-256', () => {
    const t = generateToken('vca_');
    expect(t).toMatch(/^vca_[A-Za-z0-9_-]{43}$/);
    expect(hashToken('abc')).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
    expect(safeEqual('secret-1', 'secret-1')).toBe(true);
    expect(safeEqual('secret-1', 'secret-12')).toBe(false);
  });
});
