import { Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { Db } from '../db';

/** What enrollment records: the host identity from the agent and the hash of its new token. */
export interface EnrollInput {
  machineId: string;
  hostname: string;
  /** Replaces the host's labels when given; kept as they are when undefined. */
  labels?: Record<string, string>;
  tokenHash: string;
}

/**
 * Hosts are identified by `machine_id` (/etc/machine-id); enrolling again with the same machine id is a
 * token rotation: the previous tokens are revoked in the same transaction that stores the new one.
 */
@Injectable()
export class HostRepository {
  constructor(private readonly db: Db) {}

  /** Creates or updates the host, revokes its old tokens and stores the new one; returns the host id. */
  async enroll(input: EnrollInput): Promise<{ hostId: string; rotated: boolean }> {
    const client = await this.db.pool.connect();
    try {
      await client.query('BEGIN');
      const h = await client.query<{ id: string; inserted: boolean }>(
        `INSERT INTO hosts (id, machine_id, hostname, labels) VALUES ($1, $2, $3, $4::jsonb)
         ON CONFLICT (machine_id) DO UPDATE SET hostname = EXCLUDED.hostname,
           labels = CASE WHEN $5 THEN EXCLUDED.labels ELSE hosts.labels END, revoked_at = NULL
         RETURNING id, (xmax = 0) AS inserted`,
        [randomUUID(), input.machineId, input.hostname, JSON.stringify(input.labels ?? {}), input.labels !== undefined],
      );
      const hostId = h.rows[0].id;
      const old = await client.query(`UPDATE host_tokens SET revoked_at = now() WHERE host_id = $1 AND revoked_at IS NULL`, [hostId]);
      await client.query(`INSERT INTO host_tokens (id, host_id, token_hash) VALUES ($1, $2, $3)`, [randomUUID(), hostId, input.tokenHash]);
      await client.query('COMMIT');
      return { hostId, rotated: (old.rowCount ?? 0) > 0 };
    } catch (e) {
      await client.query('ROLLBACK').catch(() => undefined); // the original error is what matters
      throw e;
    } finally {
      client.release();
    }
  }

  /** Revokes the host and all its tokens; false when the host does not exist. */
  async revoke(hostId: string): Promise<boolean> {
    const r = await this.db.pool.query(
      `WITH h AS (UPDATE hosts SET revoked_at = COALESCE(revoked_at, now()) WHERE id = $1 RETURNING id)
       , t AS (UPDATE host_tokens SET revoked_at = now() WHERE host_id IN (SELECT id FROM h) AND revoked_at IS NULL)
       SELECT id FROM h`,
      [hostId],
    );
    return (r.rowCount ?? 0) > 0;
  }
}
