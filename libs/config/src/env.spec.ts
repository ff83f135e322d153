import { describe, expect, it } from '@jest/globals';
import { ConfigError, parseDuration, parseEnv } from './env';

const secrets = { VIRTCAP_ENROLL_SECRET: 'e'.repeat(24), VIRTCAP_ADMIN_TOKEN: 'a'.repeat(24) };

describe(parseEnv.name, () => {
  it('applies the local defaults from DESIGN.md', () => {
    const env = parseEnv(secrets);
    expect(env.DATABASE_URL).toBe('postgresql://postgres@127.0.0.1:5432/virtcap');
    expect(env.REDIS_URL).toBe('redis://127.0.0.1:6379');
    expect(env.PORT).toBe(8080);
    expect(env.VIRTCAP_TOKEN_CACHE_TTL).toBe(5000);
  });

  it('names every wrong variable', () => {
    expect(() => parseEnv({ ...secrets, PORT: 'eighty', REDIS_URL: 'http://x' })).toThrow(ConfigError);
    try {
      parseEnv({ PORT: '99999', VIRTCAP_ADMIN_TOKEN: 'short' });
    } catch (e) {
      const msg = (e as Error).message;
      expect(msg).toContain('PORT');
      expect(msg).toContain('VIRTCAP_ENROLL_SECRET');
      expect(msg).toContain('VIRTCAP_ADMIN_TOKEN: must be at least 16 characters');
    }
  });

  it('treats empty strings as unset', () => {
    expect(parseEnv({ ...secrets, PORT: '' }).PORT).toBe(8080);
  });
});

describe(parseDuration.name, () => {
  it.each([
    ['500ms', 500],
    ['30s', 30_000],
    ['15m', 900_000],
    ['2h', 7_200_000],
    ['1d', 86_400_000],
  ])('%s', (s, ms) => expect(parseDuration(s)).toBe(ms));
});
