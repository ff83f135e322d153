import * as crypto from 'node:crypto';
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/** Prefix of host (agent) tokens. */
export const HOST_TOKEN_PREFIX = 'vca_';
/** Prefix of reader/admin API tokens. */
export const API_TOKEN_PREFIX = 'vct_';

/** A new bearer token: prefix + 32 random bytes in base64url (43 characters). */
export function generateToken(prefix: string): string {
  return prefix + randomBytes(32).toString('base64url');
}

/** How tokens are stored: lowercase SHA-256 hex of the whole token string. */
export function hashToken(token: string): string {
  return oneShotHash ? oneShotHash('sha256', token, 'hex') : createHash('sha256').update(token).digest('hex');
}

/** `crypto.hash` (Node ≥ 20.12): the same digest without a Hash object per call (every ingest request hashes its token). */
const oneShotHash = (crypto as { hash?: (algorithm: string, data: string, encoding: 'hex') => string }).hash;

/** Constant-time string equality (compares SHA-256 digests, so lengths never leak). */
export function safeEqual(a: string, b: string): boolean {
  return timingSafeEqual(createHash('sha256').update(a).digest(), createHash('sha256').update(b).digest());
}
