import { Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import type { QueryConfig, QueryResult, QueryResultRow } from 'pg';
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

/** The host's current state read WITHOUT a lock (see {@link readForChange}), with its firing alert kinds. */
export interface HostChangeBase extends HostCurrentRow {
  /** Whether the snapshot being normalized is already stored as history (a redelivered job). */
  snapshot_stored: boolean;
  /** Kinds of the host's firing alerts, sorted by code point (as JavaScript's default sort). */
  open_kinds: string[];
}

/** A change event row to append with a stored change (`events`; see EventRepository for the table's rules). */
export interface ChangeEventInput {
  type: string;
  severity: string;
  message: string;
  details: Record<string, unknown>;
}

/** Everything one changed snapshot writes besides its current state: history evidence, device rows, events. */
export interface ChangeRows {
  evidenceJson: string | null;
  pci: PciDeviceRow[];
  sriov: SriovFunctionRow[];
  acpi: AcpiFindingRow[];
  /** The events of the change, linked to `prevSnapshotId` (the host's last snapshot before this one). */
  events: ChangeEventInput[];
  prevSnapshotId: string | null;
}

/**
 * What the host's row must still hold for an unlocked change to apply ({@link storeChange} without the
 * host lock): the state the change was compared against, and the alert kinds its (empty) alert plan assumed.
 */
export interface ChangeGuard {
  lastSnapshotId: string | null;
  contentHash: string | null;
  openKinds: string[];
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
   * `SELECT … FOR UPDATE` on the hosts row, whether `snapshotId` is already stored as history (a
   * redelivered job) and the host's firing alert kinds, in one round trip; undefined when the host does not
   * exist (not enrolled / deleted).
   */
  async lockHost(q: Queryable, hostId: string, snapshotId: string): Promise<HostChangeBase | undefined> {
    const r = await prepared<HostChangeBase>(q, 'virtcap_lock_host',
      `SELECT id, content_hash, last_collected_at, last_snapshot_id, last_boot_id, facts, verdicts,
              EXISTS (SELECT 1 FROM snapshots WHERE id = $2) AS snapshot_stored,
              ARRAY(SELECT kind FROM alerts WHERE host_id = $1 AND open_key IS NOT NULL ORDER BY kind COLLATE "C") AS open_kinds
         FROM hosts WHERE id = $1 FOR UPDATE OF hosts`,
      [hostId, snapshotId],
    );
    return r.rows[0];
  }

  /**
   * The host's current state (as {@link lockHost} reads it) WITHOUT a lock, whether `snapshotId` is already
   * stored, and the kinds of its firing alerts — everything a change is decided on, in one round trip.
   * Whatever is decided from it is written by a guarded {@link storeChange}, which applies only when the
   * row still holds what was read here (else the caller takes the locked path).
   */
  async readForChange(q: Queryable, hostId: string, snapshotId: string): Promise<HostChangeBase | undefined> {
    const r = await prepared<HostChangeBase>(q, 'virtcap_read_for_change',
      `SELECT id, content_hash, last_collected_at, last_snapshot_id, last_boot_id, facts, verdicts,
              EXISTS (SELECT 1 FROM snapshots WHERE id = $2) AS snapshot_stored,
              ARRAY(SELECT kind FROM alerts WHERE host_id = $1 AND open_key IS NOT NULL ORDER BY kind COLLATE "C") AS open_kinds
         FROM hosts WHERE id = $1`,
      [hostId, snapshotId],
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
    await q.query(
      `UPDATE hosts SET ${HOST_CURRENT_SET} WHERE id = $1`,
      hostCurrentParams(u),
    );
  }

  /** Moves only `last_seen_at` (an out-of-order or duplicate report still proves the host is alive). */
  async touchSeen(q: Queryable, hostId: string, receivedAt: string): Promise<void> {
    await prepared(q, 'virtcap_touch_seen', `UPDATE hosts SET last_seen_at = GREATEST(COALESCE(last_seen_at, $2::timestamptz), $2::timestamptz) WHERE id = $1`, [hostId, receivedAt]);
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
    const r = await prepared<{ id: string }>(q, 'virtcap_touch_unchanged',
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
   * A changed snapshot in ONE statement (one round trip): replaces the host's current state, appends its
   * history row (id `u.snapshotId`, the same core fields plus the raw evidence; a second insert of the same
   * id is a no-op), replaces its `pci_devices` / `sriov_functions` / `acpi_findings` rows and appends its
   * change events (unique per snapshot and type: a replay adds none). Returns whether it applied and the
   * events it really added (`{id, type}`, for alert links).
   *
   * Without `guard` the caller holds the host lock (`lockHost`) and checked the snapshot is newer. With
   * `guard` no lock is held: the host row is updated only if it still has the guard's last snapshot and
   * content hash, is older than this snapshot and has exactly the guard's firing alert kinds; otherwise
   * NOTHING is written (every other part reads the updated row) and `applied` is false. A concurrent
   * writer holding the row makes the update wait and then re-check the guard on the row it committed.
   *
   * Device rows in one statement: the parts of a statement see one snapshot, so a table's delete and insert
   * cannot both cover the same keys (the insert would still see the old rows). `pci_devices` and
   * `sriov_functions` delete only the keys the new list lacks and upsert the others (disjoint rows; the
   * lists are deduplicated by key, first wins, as the previous `DO NOTHING` insert kept); `acpi_findings`
   * has no natural key, so its old rows are deleted and the new ones inserted (new rows are invisible to
   * the delete).
   */
  async storeChange(q: Queryable, u: HostCurrentUpdate, rows: ChangeRows, guard?: ChangeGuard): Promise<{ applied: boolean; events: Array<{ id: string; type: string }> }> {
    const pci = firstByKey(rows.pci, (d) => d.bdf);
    const sriov = firstByKey(rows.sriov, (d) => d.pfBdf);
    const acpi = rows.acpi;
    const ev = rows.events;
    const r = await prepared<{ applied: boolean; events: Array<{ id: string; type: string }> | null }>(q, 'virtcap_store_change',
      `WITH u AS (
         UPDATE hosts h SET ${HOST_CURRENT_SET}
         WHERE h.id = $1 AND (NOT $59::bool OR (
           h.last_snapshot_id IS NOT DISTINCT FROM $45::uuid AND h.content_hash IS NOT DISTINCT FROM $46::text
           AND (h.last_collected_at IS NULL OR h.last_collected_at < $3::timestamptz)
           AND ARRAY(SELECT kind FROM alerts WHERE host_id = $1 AND open_key IS NOT NULL ORDER BY kind COLLATE "C") = $47::text[]))
         RETURNING h.id
       ), ins AS (
         INSERT INTO snapshots (id, host_id, collected_at, received_at, boot_id, content_hash, firmware_id, xen_version,
                                agent_version, verdicts, facts, evidence)
         SELECT $2, u.id, $3, $4, $5, $6, $7, $8, $9, $24::jsonb, $25::jsonb, $27::jsonb FROM u
         ON CONFLICT (id) DO NOTHING
       ), pd AS (
         DELETE FROM pci_devices d USING u WHERE d.host_id = u.id AND d.bdf <> ALL ($28::text[])
       ), pi AS (
         INSERT INTO pci_devices (host_id, bdf, vendor_id, device_id, name, class_name, driver, flr, passthrough_status)
         SELECT u.id, x.* FROM u, unnest($28::text[], $29::text[], $30::text[], $31::text[], $32::text[], $33::text[], $34::bool[], $35::text[]) AS x
         ON CONFLICT (host_id, bdf) DO UPDATE SET vendor_id = EXCLUDED.vendor_id, device_id = EXCLUDED.device_id, name = EXCLUDED.name,
           class_name = EXCLUDED.class_name, driver = EXCLUDED.driver, flr = EXCLUDED.flr, passthrough_status = EXCLUDED.passthrough_status
       ), sd AS (
         DELETE FROM sriov_functions d USING u WHERE d.host_id = u.id AND d.pf_bdf <> ALL ($36::text[])
       ), si AS (
         INSERT INTO sriov_functions (host_id, pf_bdf, name, vendor_id, device_id, vf_device_id, total_vfs, num_vfs, used_vfs, flr)
         SELECT u.id, x.* FROM u, unnest($36::text[], $37::text[], $38::text[], $39::text[], $40::text[], $41::int[], $42::int[], $43::int[], $44::bool[]) AS x
         ON CONFLICT (host_id, pf_bdf) DO UPDATE SET name = EXCLUDED.name, vendor_id = EXCLUDED.vendor_id, device_id = EXCLUDED.device_id,
           vf_device_id = EXCLUDED.vf_device_id, total_vfs = EXCLUDED.total_vfs, num_vfs = EXCLUDED.num_vfs, used_vfs = EXCLUDED.used_vfs, flr = EXCLUDED.flr
       ), ad AS (
         DELETE FROM acpi_findings a USING u WHERE a.host_id = u.id
       ), ai AS (
         INSERT INTO acpi_findings (host_id, firmware_id, table_kind, signature, table_sha256, code, severity, message)
         SELECT u.id, $7, x.* FROM u, unnest($48::text[], $49::text[], $50::text[], $51::text[], $52::text[], $53::text[]) AS x
       ), ev AS (
         INSERT INTO events (host_id, type, severity, message, details, snapshot_id, prev_snapshot_id, occurred_at)
         SELECT u.id, x.t, x.s, x.m, x.d::jsonb, $2, $54::uuid, $3 FROM u, unnest($55::text[], $56::text[], $57::text[], $58::text[]) AS x(t, s, m, d)
         ON CONFLICT (snapshot_id, type) DO NOTHING
         RETURNING id::text AS id, type
       )
       SELECT EXISTS (SELECT 1 FROM u) AS applied, (SELECT json_agg(json_build_object('id', ev.id, 'type', ev.type)) FROM ev) AS events`,
      [
        ...hostCurrentParams(u), rows.evidenceJson,
        pci.map((d) => d.bdf), pci.map((d) => d.vendorId), pci.map((d) => d.deviceId), pci.map((d) => d.name), pci.map((d) => d.className), pci.map((d) => d.driver), pci.map((d) => d.flr), pci.map((d) => d.passthroughStatus),
        sriov.map((d) => d.pfBdf), sriov.map((d) => d.name), sriov.map((d) => d.vendorId), sriov.map((d) => d.deviceId), sriov.map((d) => d.vfDeviceId), sriov.map((d) => d.totalVfs), sriov.map((d) => d.numVfs), sriov.map((d) => d.usedVfs), sriov.map((d) => d.flr),
        guard?.lastSnapshotId ?? null, guard?.contentHash ?? null, guard?.openKinds ?? [],
        acpi.map((f) => f.tableKind), acpi.map((f) => f.signature), acpi.map((f) => f.tableSha256), acpi.map((f) => f.code), acpi.map((f) => f.severity), acpi.map((f) => f.message),
        rows.prevSnapshotId, ev.map((e) => e.type), ev.map((e) => e.severity), ev.map((e) => e.message), ev.map((e) => JSON.stringify(e.details)),
        guard !== undefined,
      ],
    );
    const row = r.rows[0]!;
    return { applied: row.applied, events: row.events ?? [] };
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

/** The host's current-state columns as a SET list over parameters $1–$26 of {@link hostCurrentParams}. */
const HOST_CURRENT_SET = `
  last_seen_at = GREATEST(COALESCE(last_seen_at, $4::timestamptz), $4::timestamptz),
  last_collected_at = $3, last_boot_id = $5, last_snapshot_id = $2, current_snapshot_id = $2,
  content_hash = $6, firmware_id = $7, xen_version = $8, agent_version = $9, hostname = $10,
  hvm_status = $11, hvm_vendor = $12, hap_status = $13, iommu_status = $14, iommu_kind = $15,
  intremap_status = $16, passthrough_status = $17, sriov_status = $18, acpi_dmar_status = $19,
  acpi_ivrs_status = $20, sriov_total_vfs = $21, sriov_num_vfs = $22, sriov_used_vfs = $23,
  verdicts = $24::jsonb, facts = $25::jsonb, evidence_hash = $26`;

/** Parameters $1–$26 for {@link HOST_CURRENT_SET} ($1 host id, $2 snapshot id, $3 collectedAt, $4 receivedAt, …). */
function hostCurrentParams(u: HostCurrentUpdate): unknown[] {
  const s = u.statuses;
  return [
    u.hostId, u.snapshotId, u.collectedAt, u.receivedAt, u.bootId, u.contentHash, u.firmwareId, u.xenVersion, u.agentVersion, u.hostname,
    s.hvm, s.hvmVendor, s.hap, s.iommu, s.iommuKind, s.intremap, s.passthrough, s.sriov, s.acpiDmar, s.acpiIvrs,
    u.sriovTotals.total, u.sriovTotals.num, u.sriovTotals.used, u.verdictsJson, u.factsJson, u.evidenceHash,
  ];
}

/** The first element of each key, in order (a multi-row upsert may not touch one key twice). */
function firstByKey<T>(xs: readonly T[], key: (x: T) => string): T[] {
  const seen = new Set<string>();
  return xs.filter((x) => {
    const k = key(x);
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}

/**
 * Runs `text` as a named prepared statement: PostgreSQL parses and plans it once per connection instead of
 * on every call (pg remembers per client which names it prepared). Only for the hot path's fixed texts;
 * both the pool and a checked-out client take a query config.
 */
function prepared<R extends QueryResultRow = QueryResultRow>(q: Queryable, name: string, text: string, values: unknown[]): Promise<QueryResult<R>> {
  return (q as unknown as { query(config: QueryConfig): Promise<QueryResult<R>> }).query({ name, text, values });
}
