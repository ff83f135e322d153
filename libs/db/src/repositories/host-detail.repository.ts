import { Injectable } from '@nestjs/common';
import { Db } from '../db';

/**
 * Everything known about one host: the current row (verdicts JSONB with reasons and evidence), firmware,
 * PCI devices, SR-IOV functions, ACPI findings, change history (snapshots are stored only when content
 * changed, events are append-only) and its open alerts. Column names are returned as in the tables.
 */
export interface HostDetail {
  host: Record<string, unknown>;
  firmware: Record<string, unknown> | null;
  pciDevices: Record<string, unknown>[];
  sriovFunctions: Record<string, unknown>[];
  acpiFindings: Record<string, unknown>[];
  history: Record<string, unknown>[];
  events: Record<string, unknown>[];
  openAlerts: Record<string, unknown>[];
}

/** Reads one host with its child rows (read-only, for the API's host page). */
@Injectable()
export class HostDetailRepository {
  constructor(private readonly db: Db) {}

  /** The host and its child rows; null when no host has this id. `historyLimit` caps snapshots and events. */
  async findHostDetail(id: string, historyLimit = 100): Promise<HostDetail | null> {
    const q = (sql: string, params: unknown[] = [id]) => this.db.pool.query(sql, params).then((r) => r.rows as Record<string, unknown>[]);
    const [host] = await q(
      `SELECT id, hostname, machine_id AS "machineId", labels, first_seen_at AS "firstSeenAt", last_seen_at AS "lastSeenAt",
              last_collected_at AS "lastCollectedAt", last_boot_id AS "lastBootId", current_snapshot_id AS "currentSnapshotId",
              xen_version AS "xenVersion", agent_version AS "agentVersion", verdicts, revoked_at AS "revokedAt", firmware_id
         FROM hosts WHERE id = $1`,
    );
    if (!host) return null;
    const [firmware, pciDevices, sriovFunctions, acpiFindings, history, events, openAlerts] = await Promise.all([
      host.firmware_id
        ? q(
            `SELECT id, board_vendor AS "boardVendor", board_name AS "boardName", bios_vendor AS "biosVendor", bios_version AS "biosVersion",
                    bios_date AS "biosDate", sys_vendor AS "sysVendor", product_name AS "productName" FROM firmware WHERE id = $1`,
            [host.firmware_id],
          ).then((r) => r[0] ?? null)
        : Promise.resolve(null),
      q(`SELECT bdf, vendor_id AS "vendorId", device_id AS "deviceId", name, class_name AS "className", driver, flr,
                passthrough_status AS "passthroughStatus" FROM pci_devices WHERE host_id = $1 ORDER BY bdf`),
      q(`SELECT pf_bdf AS "pfBdf", name, vendor_id AS "vendorId", device_id AS "deviceId", vf_device_id AS "vfDeviceId",
                total_vfs AS "totalVfs", num_vfs AS "numVfs", used_vfs AS "usedVfs", flr FROM sriov_functions WHERE host_id = $1 ORDER BY pf_bdf`),
      q(`SELECT id::text AS id, table_kind AS "tableKind", signature, table_sha256 AS "tableSha256", code, severity, message,
                first_seen_at AS "firstSeenAt" FROM acpi_findings WHERE host_id = $1 ORDER BY id`),
      q(
        `SELECT id AS "snapshotId", collected_at AS "collectedAt", received_at AS "receivedAt", boot_id AS "bootId",
                content_hash AS "contentHash", firmware_id AS "firmwareId", xen_version AS "xenVersion", agent_version AS "agentVersion"
           FROM snapshots WHERE host_id = $1 ORDER BY collected_at DESC LIMIT $2`,
        [id, historyLimit],
      ),
      q(
        `SELECT id::text AS id, type, severity, message, details, snapshot_id AS "snapshotId", prev_snapshot_id AS "prevSnapshotId",
                occurred_at AS "occurredAt" FROM events WHERE host_id = $1 ORDER BY occurred_at DESC, id DESC LIMIT $2`,
        [id, historyLimit],
      ),
      q(`SELECT id, kind, severity, state, summary, fired_at AS "firedAt", updated_at AS "updatedAt"
           FROM alerts WHERE host_id = $1 AND state = 'firing' ORDER BY fired_at DESC`),
    ]);
    delete host.firmware_id;
    return { host, firmware, pciDevices, sriovFunctions, acpiFindings, history, events, openAlerts };
  }
}
