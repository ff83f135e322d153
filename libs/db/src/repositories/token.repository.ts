import { Injectable } from '@nestjs/common';
import { Db } from '../db';

/** What a host (agent) token resolves to: the enrolled host it belongs to. */
export interface HostTokenOwner {
  hostId: string;
  machineId: string;
}

/** An API token row (reader or admin), looked up by the SHA-256 hex of the token. */
export interface ApiTokenRow {
  id: string;
  name: string;
  role: 'reader' | 'admin';
  expiresAt: Date | null;
  revokedAt: Date | null;
}

/**
 * Tokens are stored only as lowercase SHA-256 hex of the token string (`token_hash`); the token itself is
 * shown once. Host tokens live in `host_tokens` (one active per host), API tokens in `api_tokens`.
 */
@Injectable()
export class TokenRepository {
  constructor(private readonly db: Db) {}

  /** The host behind an active (not revoked, host not revoked) host token, or null. */
  async findActiveHostToken(tokenHash: string): Promise<HostTokenOwner | null> {
    const r = await this.db.pool.query<{ host_id: string; machine_id: string }>(
      `SELECT t.host_id, h.machine_id FROM host_tokens t JOIN hosts h ON h.id = t.host_id
        WHERE t.token_hash = $1 AND t.revoked_at IS NULL AND h.revoked_at IS NULL`,
      [tokenHash],
    );
    const row = r.rows[0];
    return row ? { hostId: row.host_id, machineId: row.machine_id } : null;
  }

  /** The API token with this hash, revoked or expired ones included (the caller decides). */
  async findApiToken(tokenHash: string): Promise<ApiTokenRow | null> {
    const t = await this.db.prisma.apiToken.findUnique({ where: { tokenHash } });
    return t ? { id: t.id, name: t.name, role: t.role as ApiTokenRow['role'], expiresAt: t.expiresAt, revokedAt: t.revokedAt } : null;
  }

  /** Stores a new API token; returns its id. */
  async createApiToken(input: { id: string; name: string; role: 'reader' | 'admin'; tokenHash: string; expiresAt: Date | null }): Promise<string> {
    const t = await this.db.prisma.apiToken.create({ data: input });
    return t.id;
  }

  /** Revokes an API token; false when no active token has this id. */
  async revokeApiToken(id: string): Promise<boolean> {
    const r = await this.db.prisma.apiToken.updateMany({ where: { id, revokedAt: null }, data: { revokedAt: new Date() } });
    return r.count > 0;
  }
}
