import { Injectable } from '@nestjs/common';
import { getEnv } from '../../../../libs/config/src';
import { TokenRepository } from '../../../../libs/db/src/repositories/token.repository';
import { Principal } from '../auth/principal';
import { ApiError } from '../common/api-error';
import { timingSafeEqual } from 'node:crypto';
import { API_TOKEN_PREFIX, hashToken, HOST_TOKEN_PREFIX } from '../common/tokens';
import { TtlCache } from '../common/ttl-cache';

type Cached = { principal: Principal; expiresAt: number | null } | null;

/**
 * Resolves `Authorization: Bearer <token>` to a {@link Principal}. Lookups (hits and misses) are cached
 * in process for VIRTCAP_TOKEN_CACHE_TTL, so the ingest path makes no database round trip per request and
 * a token revoked on another replica stops working within that TTL (at once on this replica).
 */
@Injectable()
export class AuthService {
  private readonly cache: TtlCache<Cached>;
  /** SHA-256 of the admin token: each request's token is hashed once and that digest compared in constant time. */
  private readonly adminTokenHash: Buffer;

  constructor(private readonly tokens: TokenRepository) {
    const env = getEnv();
    this.cache = new TtlCache<Cached>(env.VIRTCAP_TOKEN_CACHE_TTL);
    this.adminTokenHash = Buffer.from(hashToken(env.VIRTCAP_ADMIN_TOKEN), 'hex');
  }

  async authenticate(header: string | undefined): Promise<Principal> {
    const m = header === undefined ? null : /^Bearer +(\S{1,512})$/i.exec(header);
    if (!m) throw new ApiError('unauthorized', 'missing or malformed Authorization header (expected "Bearer <token>")', { 'WWW-Authenticate': 'Bearer' });
    const token = m[1];
    const hash = hashToken(token);
    if (timingSafeEqual(Buffer.from(hash, 'hex'), this.adminTokenHash)) return { kind: 'api', role: 'admin', tokenId: null };
    let entry = this.cache.get(hash);
    if (entry === undefined) {
      entry = await this.lookup(token, hash);
      this.cache.set(hash, entry);
    }
    if (entry === null || (entry.expiresAt !== null && entry.expiresAt <= Date.now())) {
      throw new ApiError('unauthorized', 'unknown, revoked or expired token', { 'WWW-Authenticate': 'Bearer error="invalid_token"' });
    }
    return entry.principal;
  }

  /** Forget cached lookups for a revoked API token or host right away (other replicas: within the TTL). */
  forget(pred: (p: Principal) => boolean): void {
    this.cache.deleteWhere((e) => e !== null && pred(e.principal));
  }

  private async lookup(token: string, hash: string): Promise<Cached> {
    try {
      if (token.startsWith(HOST_TOKEN_PREFIX)) {
        const owner = await this.tokens.findActiveHostToken(hash);
        return owner ? { principal: { kind: 'agent', ...owner }, expiresAt: null } : null;
      }
      if (token.startsWith(API_TOKEN_PREFIX)) {
        const t = await this.tokens.findApiToken(hash);
        if (!t || t.revokedAt) return null;
        return { principal: { kind: 'api', role: t.role, tokenId: t.id }, expiresAt: t.expiresAt ? t.expiresAt.getTime() : null };
      }
      return null;
    } catch (e) {
      throw new ApiError('unavailable', 'cannot check the token: PostgreSQL is not answering', { 'Retry-After': '5' }, undefined, { cause: e });
    }
  }
}
