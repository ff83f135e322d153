import type { Pool, PoolClient } from 'pg';
import { z } from 'zod';
import { RawEvidenceSchema, SCHEMA_VERSION, type Snapshot } from '../../../../../libs/contracts/src';
import type { ChangeRows, HostChangeBase, HostCurrentRow, HostCurrentUpdate, SnapshotWriteRepository, UnchangedTouch } from '../../../../../libs/db/src/repositories/snapshot-write.repository';
import { inflateSnapshotPayload, parseNormalizePayload, queuedEvidenceOf } from '../../../../../libs/queue/src';
import { compareSnapshots, toComparableState, type HostFacts } from '../../../../../libs/verdicts/src';
import type { Verdicts } from '../../../../../libs/contracts/src';
import { PoisonJobError } from '../../errors';
import type { SnapshotOutcome, WorkerMetrics } from '../../metrics/worker-metrics';
import { planAlerts } from '../raise-alerts/alert-rules';
import type { RaiseAlertsUseCase } from '../raise-alerts/raise-alerts.use-case';
import { DERIVE_VERSION, deriveSnapshot, evidenceHash, type DerivedSnapshot } from './derive-snapshot';
import type { IngestStatsBuffer } from './ingest-stats-buffer';
import type { UnchangedBatcher } from './unchanged-batcher';
import { FirmwareIdCache } from './firmware-id-cache';

/** What one job did, and the notification rows to enqueue (already committed). */
export interface NormalizeResult {
  outcome: SnapshotOutcome;
  snapshotId: string;
  hostId: string;
  events: string[];
  deliveryIds: string[];
}

/**
 * What an unchanged report needs, and all it writes (hosts.last_seen_at, last_collected_at,
 * last_snapshot_id, evidence_hash): validated alone so the fast path does not run the whole
 * SnapshotSchema (its JSON-safety walk over every string) on the ~90% of reports that change nothing.
 */
const UNCHANGED_PROBE = z.object({
  hostId: z.uuid(),
  receivedAt: z.iso.datetime(),
  snapshot: z.object({
    schemaVersion: z.literal(SCHEMA_VERSION),
    snapshotId: z.uuid(),
    collectedAt: z.iso.datetime({ offset: true }),
    bootId: z.string().min(1).max(64),
    evidence: RawEvidenceSchema,
  }),
});

const ms = (d: Date | null): number => (d ? d.getTime() : Number.NEGATIVE_INFINITY);

/**
 * Normalize one snapshot job (STYLE §10): re-validate, re-derive facts and verdicts on the server, and
 * store them. Unchanged reports take a batched fast path that only moves `last_seen_at`: first by
 * evidence hash (same raw evidence + boot id as last stored: nothing is parsed), then, after deriving,
 * by content hash. Otherwise one unlocked read of the host decides: duplicate (snapshot id already stored
 * or current) → nothing; older than the current state → out_of_order (only `last_seen_at` moves, state
 * never goes back); else a change. A change that moves no alert is ONE guarded statement (history row +
 * firmware + current state + device rows + events), applied only if the host row still holds what was
 * read; any other change (alerts to fire or resolve, or the guard refused because another report of the
 * host got there first) runs in ONE transaction under `SELECT … FOR UPDATE` on the hosts row and decides
 * again from what it reads there.
 */
export class NormalizeSnapshotUseCase {
  private readonly firmwareIds = new FirmwareIdCache();

  constructor(
    private readonly pool: Pool,
    private readonly snapshots: SnapshotWriteRepository,
    private readonly raiseAlerts: RaiseAlertsUseCase,
    private readonly batcher: UnchangedBatcher,
    private readonly stats: IngestStatsBuffer,
    private readonly metrics: WorkerMetrics,
  ) {}

  async execute(data: unknown): Promise<NormalizeResult> {
    // The API hashed the evidence of the body it validated (same function, same DERIVE_VERSION): an unchanged
    // report is recorded from the envelope alone — the body is not inflated, parsed or validated again.
    const queued = queuedEvidenceOf(data);
    let refused: string | undefined; // an evidence hash the batcher already refused for this report
    if (queued && queued.deriveVersion === DERIVE_VERSION) {
      const { hostId, receivedAt, snapshotId, collectedAt } = queued;
      const r = await this.touchUnchanged({ hostId, snapshotId, evidenceHash: queued.evidenceHash, contentHash: null, collectedAt, receivedAt });
      if (r) return r;
      refused = queued.evidenceHash; // not unchanged: the body is read below (and its hash computed here, for what is stored)
    }
    let payload: unknown;
    try {
      payload = inflateSnapshotPayload(data); // a gzip body as the agent sent it → its JSON
    } catch (e) {
      throw new PoisonJobError('schema', (e as Error).message, { cause: e });
    }
    // Most reports repeat what the host last sent: same evidence hash → unchanged. Recognised from the few
    // fields such a report writes (UNCHANGED_PROBE), before the full schema: equal evidence is evidence the
    // worker already validated and stored, so nothing else of the snapshot is read.
    const probe = UNCHANGED_PROBE.safeParse(payload);
    let evHash: string | undefined;
    if (probe.success && Object.keys(probe.data.snapshot.evidence).length > 0) {
      const { hostId, receivedAt, snapshot: s } = probe.data;
      evHash = evidenceHash({ bootId: s.bootId, evidence: s.evidence, facts: {} });
      const r = evHash === refused ? undefined : await this.touchUnchanged({ hostId, snapshotId: s.snapshotId, evidenceHash: evHash, contentHash: null, collectedAt: s.collectedAt, receivedAt });
      if (r) return r;
    }
    const parsed = parseNormalizePayload(payload); // the full schema, without its string scan when the inflated text cannot hold an unstorable string
    if (!parsed.ok) throw new PoisonJobError('schema', parsed.reason);
    const { hostId, receivedAt, snapshot } = parsed.data;
    this.observeLag(receivedAt);
    const base = { snapshotId: snapshot.snapshotId, hostId };
    const touch = { hostId, snapshotId: snapshot.snapshotId, evidenceHash: evHash ?? evidenceHash(snapshot), collectedAt: snapshot.collectedAt, receivedAt };
    // Without evidence (facts only), the hash of the agent's facts decides the same way.
    if (evHash === undefined && (await this.batcher.touch({ ...touch, contentHash: null }))) return this.done({ ...base, outcome: 'unchanged', events: [], deliveryIds: [] });

    let derived: DerivedSnapshot;
    try {
      derived = deriveSnapshot(snapshot);
    } catch (e) {
      throw new PoisonJobError('parser', e instanceof Error ? e.message : String(e), { cause: e });
    }
    // One unlocked read decides the rest; what it decides is written only if the row still holds it.
    const cur = await this.snapshots.readForChange(this.pool, hostId, snapshot.snapshotId);
    if (!cur) throw new PoisonJobError('missing_host', `host ${hostId} does not exist`);
    if (cur.last_snapshot_id === snapshot.snapshotId || cur.snapshot_stored) return this.done({ ...base, outcome: 'duplicate', events: [], deliveryIds: [] });
    const newer = Date.parse(snapshot.collectedAt) > ms(cur.last_collected_at);
    if (!newer) {
      // last_collected_at only grows, so an older report stays older: it only proves the host is alive.
      await this.snapshots.touchSeen(this.pool, hostId, receivedAt);
      return this.done({ ...base, outcome: 'out_of_order', events: [], deliveryIds: [] });
    }
    if (cur.content_hash === derived.contentHash) {
      // Evidence text moved (e.g. a longer dmesg) but the derived content did not.
      const moved = await this.batcher.touch({ ...touch, contentHash: derived.contentHash });
      if (moved) return this.done({ ...base, outcome: 'unchanged', events: [], deliveryIds: [] });
    } else {
      const unlocked = await this.changeWithoutLock(hostId, receivedAt, snapshot, derived, touch.evidenceHash, cur);
      if (unlocked) return this.done(unlocked);
    }
    return this.done(await this.locked(hostId, receivedAt, snapshot, derived, touch.evidenceHash));
  }

  /**
   * A change whose alert plan is empty (the common case: a BIOS update that broke nothing) in one guarded
   * statement, without a transaction or the host lock: compared against the unlocked read `cur`, stored
   * only if the host row still holds that state and those firing alerts. Undefined when it did not apply
   * (another report of the host got there first) or when alerts must change: the caller takes the locked path.
   */
  private async changeWithoutLock(hostId: string, receivedAt: string, snapshot: Snapshot, d: DerivedSnapshot, evHash: string, cur: HostChangeBase): Promise<NormalizeResult | undefined> {
    const changes = this.changesSince(cur, snapshot, d);
    const plan = planAlerts(changes, this.comparable(snapshot, d).statuses, cur.open_kinds);
    if (plan.fire.length > 0 || plan.resolve.length > 0) return undefined;
    const tx = {}; // the firmware cache's token for this one-statement transaction
    const firmwareId = await this.firmwareId(this.pool, tx, d);
    try {
      const r = await this.snapshots.storeChange(this.pool, this.update(hostId, receivedAt, snapshot, d, evHash, firmwareId), this.rows(snapshot, d, changes, cur.last_snapshot_id), {
        lastSnapshotId: cur.last_snapshot_id,
        contentHash: cur.content_hash,
        openKinds: cur.open_kinds,
      });
      this.firmwareIds.committed(tx);
      if (!r.applied) return undefined;
      return { snapshotId: snapshot.snapshotId, hostId, outcome: 'changed', events: changes.map((c) => c.type), deliveryIds: [] };
    } catch (e) {
      this.firmwareIds.rolledBack(tx);
      throw e;
    }
  }

  /** The firmware identity's id: cached once committed, else upserted in `q` (remembered if `tx` commits). */
  private async firmwareId(q: Pool | PoolClient, tx: object, d: DerivedSnapshot): Promise<string> {
    const id = this.firmwareIds.get(d.firmware) ?? (await this.snapshots.upsertFirmware(q, d.firmware));
    this.firmwareIds.pending(tx, d.firmware, id);
    return id;
  }

  private comparable(snapshot: Snapshot, d: DerivedSnapshot): ReturnType<typeof toComparableState> {
    return toComparableState({ facts: d.facts, verdicts: d.verdicts, bootId: snapshot.bootId, collectedAt: snapshot.collectedAt });
  }

  /** The change events from the host's stored state to this snapshot (none for a host's first snapshot). */
  private changesSince(host: HostCurrentRow, snapshot: Snapshot, d: DerivedSnapshot): ReturnType<typeof compareSnapshots> {
    const prev = previousState(host);
    return prev ? compareSnapshots(prev, this.comparable(snapshot, d)) : [];
  }

  private update(hostId: string, receivedAt: string, snapshot: Snapshot, d: DerivedSnapshot, evHash: string, firmwareId: string): HostCurrentUpdate {
    return {
      hostId,
      snapshotId: snapshot.snapshotId,
      collectedAt: snapshot.collectedAt,
      receivedAt,
      bootId: snapshot.bootId,
      contentHash: d.contentHash,
      evidenceHash: evHash,
      firmwareId,
      xenVersion: d.xenVersion,
      agentVersion: snapshot.agent.version,
      hostname: snapshot.host.hostname,
      statuses: d.statuses,
      sriovTotals: d.sriovTotals,
      verdictsJson: d.verdictsJson,
      factsJson: d.factsJson,
    };
  }

  private rows(snapshot: Snapshot, d: DerivedSnapshot, changes: ReturnType<typeof compareSnapshots>, prevSnapshotId: string | null): ChangeRows {
    return { evidenceJson: snapshot.evidence ? JSON.stringify(snapshot.evidence) : null, pci: d.pci, sriov: d.sriov, acpi: d.acpi, events: changes, prevSnapshotId };
  }

  /** Records a report as unchanged if the batcher's guarded touch moves its host (else undefined: read on). */
  private async touchUnchanged(t: UnchangedTouch): Promise<NormalizeResult | undefined> {
    if (!(await this.batcher.touch(t))) return undefined;
    this.observeLag(t.receivedAt);
    return this.done({ snapshotId: t.snapshotId, hostId: t.hostId, outcome: 'unchanged', events: [], deliveryIds: [] });
  }

  private observeLag(receivedAt: string): void {
    this.metrics.queueLag.observe(Math.max(0, (Date.now() - Date.parse(receivedAt)) / 1000));
  }

  private done(r: NormalizeResult): NormalizeResult {
    this.stats.add(r.outcome === 'out_of_order' ? 'outOfOrder' : r.outcome);
    return r;
  }

  private async locked(hostId: string, receivedAt: string, snapshot: Snapshot, d: DerivedSnapshot, evHash: string): Promise<NormalizeResult> {
    const client = await this.pool.connect();
    try {
      await client.query('BEGIN');
      const r = await this.inTransaction(client, hostId, receivedAt, snapshot, d, evHash);
      await client.query('COMMIT');
      this.firmwareIds.committed(client);
      return r;
    } catch (e) {
      this.firmwareIds.rolledBack(client);
      await client.query('ROLLBACK').catch(() => undefined); // the original error is what matters
      throw e;
    } finally {
      client.release();
    }
  }

  private async inTransaction(q: PoolClient, hostId: string, receivedAt: string, snapshot: Snapshot, d: DerivedSnapshot, evHash: string): Promise<NormalizeResult> {
    const base = { snapshotId: snapshot.snapshotId, hostId, events: [] as string[], deliveryIds: [] as string[] };
    const host = await this.snapshots.lockHost(q, hostId, snapshot.snapshotId);
    if (!host) throw new PoisonJobError('missing_host', `host ${hostId} does not exist`);
    if (host.last_snapshot_id === snapshot.snapshotId || host.snapshot_stored) {
      return { ...base, outcome: 'duplicate' };
    }
    if (Date.parse(snapshot.collectedAt) <= ms(host.last_collected_at)) {
      await this.snapshots.touchSeen(q, hostId, receivedAt);
      return { ...base, outcome: 'out_of_order' };
    }
    const firmwareId = await this.firmwareId(q, q, d);
    const update = this.update(hostId, receivedAt, snapshot, d, evHash, firmwareId);
    if (host.content_hash === d.contentHash) {
      // Same content, newer report, but the fast path's guard refused (raced with a change): move time only.
      await this.snapshots.updateHostCurrent(q, update);
      return { ...base, outcome: 'unchanged' };
    }
    const changes = this.changesSince(host, snapshot, d);
    const stored = await this.snapshots.storeChange(q, update, this.rows(snapshot, d, changes, host.last_snapshot_id));
    const plan = planAlerts(changes, this.comparable(snapshot, d).statuses, host.open_kinds);
    const alerts = await this.raiseAlerts.execute(q, hostId, plan, stored.events);
    return { ...base, outcome: 'changed', events: changes.map((c) => c.type), deliveryIds: alerts.deliveryIds };
  }
}

/** The host's stored state as the comparator reads it; undefined for the first snapshot of a host. */
function previousState(host: HostCurrentRow): ReturnType<typeof toComparableState> | undefined {
  if (!host.facts || !host.verdicts || !host.last_boot_id || !host.last_collected_at) return undefined;
  return toComparableState({ facts: host.facts as HostFacts, verdicts: host.verdicts as Verdicts, bootId: host.last_boot_id, collectedAt: host.last_collected_at.toISOString() });
}
