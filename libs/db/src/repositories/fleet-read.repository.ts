import type { FirmwareIdentity } from './snapshot-write.repository';
import { Injectable } from '@nestjs/common';
import { Db } from '../db';
import { HostFilter, hostWhere, VERDICT_STATUS_COLUMNS, VerdictColumnKey } from './host-filter';

/** One row of the host list: identity, labels, firmware and the current status of every verdict. */
export interface HostListRow {
  id: string;
  hostname: string;
  machineId: string;
  labels: Record<string, string>;
  lastSeenAt: Date | null;
  lastCollectedAt: Date | null;
  xenVersion: string | null;
  agentVersion: string | null;
  boardVendor: string | null;
  boardName: string | null;
  biosVendor: string | null;
  biosVersion: string | null;
  biosDate: string | null;
  statuses: Record<VerdictColumnKey, string>;
  sriovTotalVfs: number;
  sriovNumVfs: number;
  sriovUsedVfs: number;
}

/** Position after which the next page starts (hosts are ordered by hostname, then id). */
export interface HostCursor {
  hostname: string;
  id: string;
}

/** A firmware identity with how many hosts run it and how their DMAR/IVRS tables fare. */
export interface FirmwareRow extends FirmwareIdentity {
  id: string;
  hosts: number;
  acpiDmar: Record<string, number>;
  acpiIvrs: Record<string, number>;
}

const STATUS_SELECT = Object.entries(VERDICT_STATUS_COLUMNS)
  .map(([k, c]) => `h.${c} AS "${k}"`)
  .join(', ');

/** Fleet-wide read queries over the current-state tables (`hosts`, `firmware`). */
@Injectable()
export class FleetReadRepository {
  constructor(private readonly db: Db) {}

  /** Counts of hosts per status for every verdict key: `{hvm: {yes: 3, unknown: 1}, …}`. */
  async statusCounts(filter: HostFilter): Promise<{ hosts: number; verdicts: Record<VerdictColumnKey, Record<string, number>> }> {
    const params: unknown[] = [];
    const where = hostWhere(filter, params);
    const parts = Object.entries(VERDICT_STATUS_COLUMNS).map(
      ([k, c]) => `SELECT '${k}' AS key, h.${c} AS status, count(*)::int AS n FROM hosts h LEFT JOIN firmware f ON f.id = h.firmware_id WHERE ${where} GROUP BY h.${c}`,
    );
    const [counts, total] = await Promise.all([
      this.db.pool.query<{ key: VerdictColumnKey; status: string; n: number }>(parts.join(' UNION ALL '), params),
      this.db.pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM hosts h LEFT JOIN firmware f ON f.id = h.firmware_id WHERE ${where}`, params),
    ]);
    const verdicts = Object.fromEntries(Object.keys(VERDICT_STATUS_COLUMNS).map((k) => [k, {} as Record<string, number>])) as Record<
      VerdictColumnKey,
      Record<string, number>
    >;
    for (const r of counts.rows) verdicts[r.key][r.status] = r.n;
    return { hosts: total.rows[0].n, verdicts };
  }

  /** Up to `limit` hosts matching the filter, after `cursor`, ordered by hostname then id. */
  async listHosts(filter: HostFilter, limit: number, cursor?: HostCursor): Promise<HostListRow[]> {
    const params: unknown[] = [];
    let where = hostWhere(filter, params);
    if (cursor) {
      params.push(cursor.hostname, cursor.id);
      where += ` AND (h.hostname, h.id) > ($${params.length - 1}, $${params.length}::uuid)`;
    }
    params.push(limit);
    const r = await this.db.pool.query(
      `SELECT h.id, h.hostname, h.machine_id, h.labels, h.last_seen_at, h.last_collected_at, h.xen_version, h.agent_version,
              f.board_vendor, f.board_name, f.bios_vendor, f.bios_version, f.bios_date,
              h.sriov_total_vfs, h.sriov_num_vfs, h.sriov_used_vfs, ${STATUS_SELECT}
         FROM hosts h LEFT JOIN firmware f ON f.id = h.firmware_id
        WHERE ${where} ORDER BY h.hostname, h.id LIMIT $${params.length}`,
      params,
    );
    return r.rows.map((row: Record<string, unknown>) => ({
      id: row.id as string,
      hostname: row.hostname as string,
      machineId: row.machine_id as string,
      labels: row.labels as Record<string, string>,
      lastSeenAt: row.last_seen_at as Date | null,
      lastCollectedAt: row.last_collected_at as Date | null,
      xenVersion: row.xen_version as string | null,
      agentVersion: row.agent_version as string | null,
      boardVendor: row.board_vendor as string | null,
      boardName: row.board_name as string | null,
      biosVendor: row.bios_vendor as string | null,
      biosVersion: row.bios_version as string | null,
      biosDate: row.bios_date as string | null,
      statuses: Object.fromEntries(Object.keys(VERDICT_STATUS_COLUMNS).map((k) => [k, row[k] as string])) as Record<VerdictColumnKey, string>,
      sriovTotalVfs: row.sriov_total_vfs as number,
      sriovNumVfs: row.sriov_num_vfs as number,
      sriovUsedVfs: row.sriov_used_vfs as number,
    }));
  }

  /**
   * Firmware identities in use (by at least one non-revoked host) with host counts and DMAR/IVRS status
   * counts. `acpiBroken` keeps only firmware where some host reports a `broken` or `degraded` table.
   */
  async firmwareInUse(opts: { acpiBroken?: boolean } = {}): Promise<FirmwareRow[]> {
    const having = opts.acpiBroken
      ? `HAVING count(*) FILTER (WHERE h.acpi_dmar_status IN ('broken','degraded') OR h.acpi_ivrs_status IN ('broken','degraded')) > 0`
      : '';
    const r = await this.db.pool.query(
      `SELECT f.id, f.board_vendor, f.board_name, f.bios_vendor, f.bios_version, f.bios_date, f.sys_vendor, f.product_name,
              count(*)::int AS hosts,
              (SELECT jsonb_object_agg(s, n) FROM (SELECT h2.acpi_dmar_status s, count(*)::int n FROM hosts h2
                 WHERE h2.firmware_id = f.id AND h2.revoked_at IS NULL GROUP BY 1) d) AS dmar,
              (SELECT jsonb_object_agg(s, n) FROM (SELECT h2.acpi_ivrs_status s, count(*)::int n FROM hosts h2
                 WHERE h2.firmware_id = f.id AND h2.revoked_at IS NULL GROUP BY 1) i) AS ivrs
         FROM firmware f JOIN hosts h ON h.firmware_id = f.id AND h.revoked_at IS NULL
        GROUP BY f.id ${having}
        ORDER BY f.board_vendor, f.board_name, f.bios_version, f.id`,
    );
    return r.rows.map((row: Record<string, unknown>) => ({
      id: row.id as string,
      boardVendor: row.board_vendor as string,
      boardName: row.board_name as string,
      biosVendor: row.bios_vendor as string,
      biosVersion: row.bios_version as string,
      biosDate: row.bios_date as string,
      sysVendor: row.sys_vendor as string,
      productName: row.product_name as string,
      hosts: row.hosts as number,
      acpiDmar: (row.dmar as Record<string, number> | null) ?? {},
      acpiIvrs: (row.ivrs as Record<string, number> | null) ?? {},
    }));
  }
}
