import { Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import type { Queryable } from './queryable';

/** The host's current state as the worker compares against it (read under the per-host row lock). */
export interface HostCurrentRow {
  id: string;
  content_hash: string | null;
  last_collected_at: Date | null;
  last_snapshot_id: string | null;
  last_boot_id: string | null;
  facts: unknown;
  verdicts: unknown;
}

/** Firmware identity: the 7 NOT NULL '' columns of `firmware_identity_key` (missing strings are ''). */
export interface FirmwareIdentity {
  boardVendor: string;
  boardName: string;
  biosVendor: string;
  biosVersion: string;
  biosDate: string;
  sysVendor: string;
  productName: string;
}

/** What a history row and the host's current state both record about one snapshot. */
export interface SnapshotCore {
  hostId: string;
  collectedAt: string;
  receivedAt: string;
  bootId: string;
  contentHash: string;
  firmwareId: string | null;
  xenVersion: string | null;
  agentVersion: string;
  verdictsJson: string;
  factsJson: string;
}

/** One history row: written only when the content hash changed (DESIGN.md data model). */
export interface SnapshotRowInput extends SnapshotCore {
  id: string;
  evidenceJson: string | null;
}

/** The denormalised verdict columns of `hosts` plus the JSONB copies, replaced on every change. */
export interface HostCurrentUpdate extends SnapshotCore {
  snapshotId: string;
  hostname: string;
  /** The report's evidence hash (see {@link UnchangedTouch}); stored so the next identical report skips re-parsing. */
  evidenceHash: string | null;
  statuses: {
    hvm: string;
    hvmVendor: string | null;
    hap: string;
    iommu: string;
    iommuKind: string | null;
    intremap: string;
    passthrough: string;
    sriov: string;
    acpiDmar: string;
    acpiIvrs: string;
  };
  sriovTotals: { total: number; num: number; used: number };
}

/** A PCI function row (`pci_devices`). */
export interface PciDeviceRow {
  bdf: string;
  vendorId: string | null;
  deviceId: string | null;
  name: string | null;
  className: string | null;
  driver: string | null;
  flr: boolean | null;
  passthroughStatus: string | null;
}

/** An SR-IOV physical function row (`sriov_functions`). */
export interface SriovFunctionRow {
  pfBdf: string;
  name: string | null;
  vendorId: string | null;
  deviceId: string | null;
  vfDeviceId: string | null;
  totalVfs: number;
  numVfs: number;
  usedVfs: number;
  flr: boolean | null;
}

/** One DMAR/IVRS finding row (`acpi_findings`). */
export interface AcpiFindingRow {
  tableKind: 'DMAR' | 'IVRS';
  signature: string | null;
  tableSha256: string | null;
  code: string;
  severity: string;
  message: string;
}

/**
 * An unchanged snapshot whose only effect is moving `last_seen_at` (batched, see {@link touchUnchanged}).
 * It is unchanged when its `evidenceHash` (sha256 of the raw evidence + boot id + derivation version)
 * equals the host's stored one — known before parsing anything — or, once derived, when its
 * `contentHash` equals the stored content hash (`null`: not derived yet, only the evidence hash counts).
 */
export interface UnchangedTouch {
  hostId: string;
  snapshotId: string;
  evidenceHash: string;
  contentHash: string | null;
  collectedAt: string;
  receivedAt: string;
}

/** Per-minute counters (`ingest_stats`). */
export interface IngestStatsDelta {
  minute: Date;
  processed: number;
  changed: number;
  unchanged: number;
  outOfOrder: number;
  deadLettered: number;
}

/**
 * Writes of the snapshot hot path, all raw SQL through `pg` (Prisma's JSON path is the bottleneck,
 * STACK-NOTES §3). Each method takes the transaction's client: the caller holds the per-host lock
 * (`lockHost`) for the whole change so concurrent workers serialise per host, never across hosts.
 */
@Injectable()
export class SnapshotWriteRepository {
  /**
   * `SELECT … FOR UPDATE` on the hosts row, and whether `snapshotId` is already stored as history (a
   * redelivered job), in one round trip; undefined when the host does not exist (not enrolled / deleted).
   */
  async lockHost(q: Queryable, hostId: string, snapshotId: string): Promise<(HostCurrentRow & { snapshot_stored: boolean }) | undefined> {
    const r = await q.query<HostCurrentRow & { snapshot_stored: boolean }>(
      `SELECT id, content_hash, last_collected_at, last_snapshot_id, last_boot_id, facts, verdicts,
              EXISTS (SELECT 1 FROM snapshots WHERE id = $2) AS snapshot_stored
         FROM hosts WHERE id = $1 FOR UPDATE`,
      [hostId, snapshotId],
    );
    return r.rows[0];
  }

  /** The unlocked read the fast path uses to decide "unchanged" (re-checked by the guarded batch update). */
  async currentHash(q: Queryable, hostId: string): Promise<{ content_hash: string | null; last_collected_at: Date | null; last_snapshot_id: string | null } | undefined> {
    const r = await q.query<{ content_hash: string | null; last_collected_at: Date | null; last_snapshot_id: string | null }>(
      `SELECT content_hash, last_collected_at, last_snapshot_id FROM hosts WHERE id = $1`,
      [hostId],
    );
    return r.rows[0];
  }

  /** True when this snapshot id is already stored as history (a redelivered job). */
  async snapshotExists(q: Queryable, snapshotId: string): Promise<boolean> {
    const r = await q.query(`SELECT 1 FROM snapshots WHERE id = $1`, [snapshotId]);
    return (r.rowCount ?? 0) > 0;
  }

  /**
   * Id of the firmware identity, inserting it when new. `DO UPDATE` of a column to itself makes
   * `RETURNING` answer on conflict too, in one round trip.
   */
  async upsertFirmware(q: Queryable, fw: FirmwareIdentity): Promise<string> {
    const r = await q.query<{ id: string }>(
      `INSERT INTO firmware (id, board_vendor, board_name, bios_vendor, bios_version, bios_date, sys_vendor, product_name)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
       ON CONFLICT (board_vendor, board_name, bios_vendor, bios_version, bios_date, sys_vendor, product_name)
       DO UPDATE SET board_vendor = EXCLUDED.board_vendor
       RETURNING id`,
      [randomUUID(), fw.boardVendor, fw.boardName, fw.biosVendor, fw.biosVersion, fw.biosDate, fw.sysVendor, fw.productName],
    );
    return r.rows[0]!.id;
  }

  /** Appends a history row; a second insert of the same snapshot id is a no-op (returns false). */
  async insertSnapshot(q: Queryable, s: SnapshotRowInput): Promise<boolean> {
    const r = await q.query(
      `INSERT INTO snapshots (id, host_id, collected_at, received_at, boot_id, content_hash, firmware_id, xen_version,
                              agent_version, verdicts, facts, evidence)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10::jsonb, $11::jsonb, $12::jsonb)
       ON CONFLICT (id) DO NOTHING`,
      [s.id, s.hostId, s.collectedAt, s.receivedAt, s.bootId, s.contentHash, s.firmwareId, s.xenVersion, s.agentVersion, s.verdictsJson, s.factsJson, s.evidenceJson],
    );
    return (r.rowCount ?? 0) > 0;
  }

  /** Replaces the host's current state with the new snapshot's (the caller checked it is newer). */
  async updateHostCurrent(q: Queryable, u: HostCurrentUpdate): Promise<void> {
    const s = u.statuses;
    await q.query(
      `UPDATE hosts SET
         last_seen_at = GREATEST(COALESCE(last_seen_at, $4::timestamptz), $4::timestamptz),
         last_collected_at = $3, last_boot_id = $5, last_snapshot_id = $2, current_snapshot_id = $2,
         content_hash = $6, firmware_id = $7, xen_version = $8, agent_version = $9, hostname = $10,
         hvm_status = $11, hvm_vendor = $12, hap_status = $13, iommu_status = $14, iommu_kind = $15,
         intremap_status = $16, passthrough_status = $17, sriov_status = $18, acpi_dmar_status = $19,
         acpi_ivrs_status = $20, sriov_total_vfs = $21, sriov_num_vfs = $22, sriov_used_vfs = $23,
         verdicts = $24::jsonb, facts = $25::jsonb, evidence_hash = $26
       WHERE id = $1`,
      [
        u.hostId, u.snapshotId, u.collectedAt, u.receivedAt, u.bootId, u.contentHash, u.firmwareId, u.xenVersion, u.agentVersion, u.hostname,
        s.hvm, s.hvmVendor, s.hap, s.iommu, s.iommuKind, s.intremap, s.passthrough, s.sriov, s.acpiDmar, s.acpiIvrs,
        u.sriovTotals.total, u.sriovTotals.num, u.sriovTotals.used, u.verdictsJson, u.factsJson, u.evidenceHash,
      ],
    );
  }

  /** Moves only `last_seen_at` (an out-of-order or duplicate report still proves the host is alive). */
  async touchSeen(q: Queryable, hostId: string, receivedAt: string): Promise<void> {
    await q.query(`UPDATE hosts SET last_seen_at = GREATEST(COALESCE(last_seen_at, $2::timestamptz), $2::timestamptz) WHERE id = $1`, [hostId, receivedAt]);
  }

  /**
   * Unchanged reports in ONE statement (one round trip, no explicit transaction). A host is touched only
   * when its stored evidence hash — or, when the touch carries one, its content hash — still equals the
   * report's and its stored collection time is older. The candidate rows are locked in id order with
   * `SKIP LOCKED`: a host whose row another transaction holds (its change being stored, a long lock) is
   * left out instead of stalling the whole batch, and its report takes the locked path. The evidence hash
   * is stored too, so a host whose evidence text moved without changing its content (a longer dmesg)
   * takes the cheap path next time. Returns the host ids it moved.
   */
  async touchUnchanged(q: Queryable, touches: UnchangedTouch[]): Promise<Set<string>> {
    if (touches.length === 0) return new Set();
    const r = await q.query<{ id: string }>(
      `WITH v AS (
         SELECT * FROM unnest($1::uuid[], $2::uuid[], $3::text[], $4::text[], $5::timestamptz[], $6::timestamptz[])
                AS v(host_id, snapshot_id, evidence_hash, content_hash, collected_at, received_at)
       ), locked AS MATERIALIZED (
         SELECT h.id FROM hosts h JOIN v ON v.host_id = h.id
          WHERE h.last_collected_at < v.collected_at AND (h.evidence_hash = v.evidence_hash OR h.content_hash = v.content_hash)
          ORDER BY h.id FOR UPDATE OF h SKIP LOCKED
       )
       UPDATE hosts h SET
         last_seen_at = GREATEST(COALESCE(h.last_seen_at, v.received_at), v.received_at),
         last_collected_at = v.collected_at, last_snapshot_id = v.snapshot_id, evidence_hash = v.evidence_hash
       FROM v, locked l
       WHERE h.id = v.host_id AND l.id = h.id AND h.last_collected_at < v.collected_at
         AND (h.evidence_hash = v.evidence_hash OR h.content_hash = v.content_hash)
       RETURNING h.id`,
      [touches.map((t) => t.hostId), touches.map((t) => t.snapshotId), touches.map((t) => t.evidenceHash), touches.map((t) => t.contentHash), touches.map((t) => t.collectedAt), touches.map((t) => t.receivedAt)],
    );
    return new Set(r.rows.map((x) => x.id));
  }

  /**
   * Replaces the host's `pci_devices`, `sriov_functions` and `acpi_findings` rows in two statements: one
   * deleting from the three tables, then one inserting into them (each a multi-row insert over unnest; an
   * empty array inserts nothing). Data-modifying CTEs of one statement run on the same snapshot, so the
   * deletes and the inserts of a table must not share a statement: the inserts would still see the old rows.
   */
  async replaceDeviceRows(q: Queryable, hostId: string, firmwareId: string | null, pci: PciDeviceRow[], sriov: SriovFunctionRow[], acpi: AcpiFindingRow[]): Promise<void> {
    await q.query(
      `WITH p AS (DELETE FROM pci_devices WHERE host_id = $1), s AS (DELETE FROM sriov_functions WHERE host_id = $1)
       DELETE FROM acpi_findings WHERE host_id = $1`,
      [hostId],
    );
    if (pci.length + sriov.length + acpi.length === 0) return;
    await q.query(
      `WITH p AS (
         INSERT INTO pci_devices (host_id, bdf, vendor_id, device_id, name, class_name, driver, flr, passthrough_status)
         SELECT $1, * FROM unnest($3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::bool[], $10::text[])
         ON CONFLICT (host_id, bdf) DO NOTHING
       ), s AS (
         INSERT INTO sriov_functions (host_id, pf_bdf, name, vendor_id, device_id, vf_device_id, total_vfs, num_vfs, used_vfs, flr)
         SELECT $1, * FROM unnest($11::text[], $12::text[], $13::text[], $14::text[], $15::text[], $16::int[], $17::int[], $18::int[], $19::bool[])
         ON CONFLICT (host_id, pf_bdf) DO NOTHING
       )
       INSERT INTO acpi_findings (host_id, firmware_id, table_kind, signature, table_sha256, code, severity, message)
       SELECT $1, $2, * FROM unnest($20::text[], $21::text[], $22::text[], $23::text[], $24::text[], $25::text[])`,
      [
        hostId, firmwareId,
        pci.map((d) => d.bdf), pci.map((d) => d.vendorId), pci.map((d) => d.deviceId), pci.map((d) => d.name), pci.map((d) => d.className), pci.map((d) => d.driver), pci.map((d) => d.flr), pci.map((d) => d.passthroughStatus),
        sriov.map((d) => d.pfBdf), sriov.map((d) => d.name), sriov.map((d) => d.vendorId), sriov.map((d) => d.deviceId), sriov.map((d) => d.vfDeviceId), sriov.map((d) => d.totalVfs), sriov.map((d) => d.numVfs), sriov.map((d) => d.usedVfs), sriov.map((d) => d.flr),
        acpi.map((f) => f.tableKind), acpi.map((f) => f.signature), acpi.map((f) => f.tableSha256), acpi.map((f) => f.code), acpi.map((f) => f.severity), acpi.map((f) => f.message),
      ],
    );
  }

  /**
   * A changed snapshot in one round trip: appends its history row (id `u.snapshotId`, the same core
   * fields as the current state, plus the raw evidence; a second insert of the same id is a no-op) and
   * replaces the host's current state (the caller holds the host lock and checked it is newer).
   */
  async storeChange(q: Queryable, u: HostCurrentUpdate, evidenceJson: string | null): Promise<void> {
    const st = u.statuses;
    await q.query(
      `WITH ins AS (
         INSERT INTO snapshots (id, host_id, collected_at, received_at, boot_id, content_hash, firmware_id, xen_version,
                                agent_version, verdicts, facts, evidence)
         VALUES ($2, $1, $3, $4, $5, $6, $7, $8, $9, $24::jsonb, $25::jsonb, $27::jsonb)
         ON CONFLICT (id) DO NOTHING
       )
       UPDATE hosts SET
         last_seen_at = GREATEST(COALESCE(last_seen_at, $4::timestamptz), $4::timestamptz),
         last_collected_at = $3, last_boot_id = $5, last_snapshot_id = $2, current_snapshot_id = $2,
         content_hash = $6, firmware_id = $7, xen_version = $8, agent_version = $9, hostname = $10,
         hvm_status = $11, hvm_vendor = $12, hap_status = $13, iommu_status = $14, iommu_kind = $15,
         intremap_status = $16, passthrough_status = $17, sriov_status = $18, acpi_dmar_status = $19,
         acpi_ivrs_status = $20, sriov_total_vfs = $21, sriov_num_vfs = $22, sriov_used_vfs = $23,
         verdicts = $24::jsonb, facts = $25::jsonb, evidence_hash = $26
       WHERE id = $1`,
      [
        u.hostId, u.snapshotId, u.collectedAt, u.receivedAt, u.bootId, u.contentHash, u.firmwareId, u.xenVersion, u.agentVersion, u.hostname,
        st.hvm, st.hvmVendor, st.hap, st.iommu, st.iommuKind, st.intremap, st.passthrough, st.sriov, st.acpiDmar, st.acpiIvrs,
        u.sriovTotals.total, u.sriovTotals.num, u.sriovTotals.used, u.verdictsJson, u.factsJson, u.evidenceHash, evidenceJson,
      ],
    );
  }

  /** Adds counters to the minute's `ingest_stats` row (the worker flushes its in-memory sums about once a second). */
  async addIngestStats(q: Queryable, d: IngestStatsDelta): Promise<void> {
    await q.query(
      `INSERT INTO ingest_stats (minute, processed, changed, unchanged, out_of_order, dead_lettered) VALUES ($1, $2, $3, $4, $5, $6)
       ON CONFLICT (minute) DO UPDATE SET processed = ingest_stats.processed + EXCLUDED.processed,
         changed = ingest_stats.changed + EXCLUDED.changed, unchanged = ingest_stats.unchanged + EXCLUDED.unchanged,
         out_of_order = ingest_stats.out_of_order + EXCLUDED.out_of_order, dead_lettered = ingest_stats.dead_lettered + EXCLUDED.dead_lettered`,
      [d.minute, d.processed, d.changed, d.unchanged, d.outOfOrder, d.deadLettered],
    );
  }
}
