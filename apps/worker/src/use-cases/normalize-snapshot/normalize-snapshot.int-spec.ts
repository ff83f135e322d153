import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { randomUUID } from 'node:crypto';
import { snapshotBody } from '../../../../../bench/ingest-bodies';
import { AlertRepository } from '../../../../../libs/db/src/repositories/alert.repository';
import { SnapshotWriteRepository } from '../../../../../libs/db/src/repositories/snapshot-write.repository';
import { createTestDatabase, type TestDatabase } from '../../../../../libs/db/src/testing/test-db';
import { WorkerMetrics } from '../../metrics/worker-metrics';
import { RaiseAlertsUseCase } from '../raise-alerts/raise-alerts.use-case';
import { SnapshotSchema } from '../../../../../libs/contracts/src';
import { deriveSnapshot, evidenceHash } from './derive-snapshot';
import { IngestStatsBuffer } from './ingest-stats-buffer';
import { NormalizeSnapshotUseCase } from './normalize-snapshot.use-case';
import { UnchangedBatcher } from './unchanged-batcher';

// The use case against the real PostgreSQL, with what agents send: raw evidence of
// test/fixtures/evidence-dirs/intel-vtd-sriov (corpus captures), BIOS version edited for a change.
let t: TestDatabase;
let sut: NormalizeSnapshotUseCase;
let batcher: UnchangedBatcher;
const repo = new SnapshotWriteRepository();

type Body = ReturnType<typeof snapshotBody>;
function report(machineId: string, at: string, edit: { bios?: string; lspciTail?: string } = {}): Body {
  const body = snapshotBody(machineId, { dir: 'intel-vtd-sriov', collectedAt: at });
  const ev = { ...body.evidence! };
  if (edit.bios) ev['dmidecode.txt'] = ev['dmidecode.txt']!.replace(/(BIOS Information\n\tVendor: [^\n]*\n\tVersion: )[^\n]*/, `$1${edit.bios}`);
  if (edit.lspciTail) ev['lspci-vv.txt'] = ev['lspci-vv.txt']! + edit.lspciTail;
  return { ...body, evidence: ev };
}

async function newHost(): Promise<string> {
  const id = randomUUID();
  await t.db.pool.query(`INSERT INTO hosts (id, machine_id, hostname) VALUES ($1, $2, 'x11-fra1-01')`, [id, `m-${id}`]);
  return id;
}

const run = (hostId: string, snapshot: Body) => sut.execute({ hostId, receivedAt: new Date().toISOString(), snapshot });
const hostRow = async (id: string) =>
  (await t.db.pool.query<{ evidence_hash: string | null; content_hash: string | null; last_snapshot_id: string; n: string }>(
    `SELECT evidence_hash, content_hash, last_snapshot_id, (SELECT count(*) FROM snapshots WHERE host_id = $1) AS n FROM hosts WHERE id = $1`,
    [id],
  )).rows[0]!;

beforeAll(async () => {
  t = await createTestDatabase();
  const metrics = new WorkerMetrics();
  batcher = new UnchangedBatcher(t.db.pool, repo, 10);
  const stats = new IngestStatsBuffer(t.db.pool, repo, 60_000);
  const alerts = new AlertRepository();
  sut = new NormalizeSnapshotUseCase(t.db.pool, repo, new RaiseAlertsUseCase(alerts, [], metrics), batcher, stats, metrics);
});
afterAll(async () => {
  await batcher?.drain();
  await t?.drop();
});

describe('normalize: evidence-hash fast path', () => {
  it('a report with the same raw evidence is unchanged without re-deriving: only the evidence hash can have matched', async () => {
    const hostId = await newHost();
    const first = report(`m-${hostId}`, '2026-11-20T10:00:00Z');
    expect((await run(hostId, first)).outcome).toBe('changed');
    const stored = await hostRow(hostId);
    expect(stored.evidence_hash).toBe(evidenceHash(first));
    expect(stored.content_hash).toMatch(/^[0-9a-f]{64}$/);

    // Spoil the content hash: a report that got through the content-hash path would not match it any more.
    await t.db.pool.query(`UPDATE hosts SET content_hash = 'spoiled' WHERE id = $1`, [hostId]);
    const again = report(`m-${hostId}`, '2026-11-20T11:00:00Z');
    expect((await run(hostId, again)).outcome).toBe('unchanged');
    expect(await hostRow(hostId)).toEqual({ evidence_hash: evidenceHash(first), content_hash: 'spoiled', last_snapshot_id: again.snapshotId, n: '1' });
  });

  it('evidence text that moved without changing the derived content is unchanged via the content hash, and its evidence hash is kept', async () => {
    const hostId = await newHost();
    expect((await run(hostId, report(`m-${hostId}`, '2026-11-20T10:00:00Z'))).outcome).toBe('changed');
    const before = await hostRow(hostId);
    const moved = report(`m-${hostId}`, '2026-11-20T11:00:00Z', { lspciTail: '\n' });
    expect(evidenceHash(moved)).not.toBe(before.evidence_hash);
    expect((await run(hostId, moved)).outcome).toBe('unchanged');
    expect(await hostRow(hostId)).toEqual({ evidence_hash: evidenceHash(moved), content_hash: before.content_hash, last_snapshot_id: moved.snapshotId, n: '1' });
  });

  it('a BIOS update is a change (history row, firmware row, new evidence hash); resending it is a duplicate, an older report is out of order', async () => {
    const hostId = await newHost();
    expect((await run(hostId, report(`m-${hostId}`, '2026-11-20T10:00:00Z'))).outcome).toBe('changed');
    const update = report(`m-${hostId}`, '2026-11-20T11:00:00Z', { bios: '3.9' });
    const r = await run(hostId, update);
    expect(r.outcome).toBe('changed');
    expect(r.events).toContain('firmware_changed');
    const h = await hostRow(hostId);
    expect(h).toMatchObject({ evidence_hash: evidenceHash(update), last_snapshot_id: update.snapshotId, n: '2' });
    const bios = await t.db.pool.query(`SELECT f.bios_version FROM hosts h JOIN firmware f ON f.id = h.firmware_id WHERE h.id = $1`, [hostId]);
    expect(bios.rows[0].bios_version).toBe('3.9');
    expect((await run(hostId, update)).outcome).toBe('duplicate');
    expect((await run(hostId, report(`m-${hostId}`, '2026-11-20T10:30:00Z', { bios: '3.9' }))).outcome).toBe('out_of_order');
    expect((await hostRow(hostId)).n).toBe('2');
  });

  it('a changed report on firmware this process already stored reuses its id (cache), and the device rows are replaced', async () => {
    const a = await newHost();
    const b = await newHost();
    expect((await run(a, report(`m-${a}`, '2026-11-21T10:00:00Z', { bios: '4.0' }))).outcome).toBe('changed');
    expect((await run(b, report(`m-${b}`, '2026-11-21T10:00:00Z', { bios: '4.0' }))).outcome).toBe('changed');
    const fw = await t.db.pool.query(`SELECT DISTINCT firmware_id FROM hosts WHERE id = ANY($1::uuid[])`, [[a, b]]);
    expect(fw.rows).toHaveLength(1);
    const rows = await t.db.pool.query<{ pci: string; sriov: string }>(
      `SELECT (SELECT count(*) FROM pci_devices WHERE host_id = $1) AS pci, (SELECT count(*) FROM sriov_functions WHERE host_id = $1) AS sriov`,
      [b],
    );
    expect(Number(rows.rows[0]!.pci)).toBeGreaterThan(0);
    expect(Number(rows.rows[0]!.sriov)).toBeGreaterThan(0);
    // A second change replaces the rows rather than adding to them.
    expect((await run(b, report(`m-${b}`, '2026-11-21T11:00:00Z', { bios: '4.1' }))).outcome).toBe('changed');
    const again = await t.db.pool.query<{ pci: string; sriov: string }>(
      `SELECT (SELECT count(*) FROM pci_devices WHERE host_id = $1) AS pci, (SELECT count(*) FROM sriov_functions WHERE host_id = $1) AS sriov`,
      [b],
    );
    expect(again.rows[0]).toEqual(rows.rows[0]);
  });
});

describe('SnapshotWriteRepository.touchUnchanged', () => {
  it('skips a host whose row another transaction holds instead of waiting for it, and moves it once the lock is gone', async () => {
    const hostId = await newHost();
    const first = report(`m-${hostId}`, '2026-11-22T10:00:00Z');
    expect((await run(hostId, first)).outcome).toBe('changed');
    const other = await newHost();
    expect((await run(other, report(`m-${other}`, '2026-11-22T10:00:00Z'))).outcome).toBe('changed');
    const touch = (id: string, at: string) => ({ hostId: id, snapshotId: randomUUID(), evidenceHash: evidenceHash(first), contentHash: null, collectedAt: at, receivedAt: at });

    const holder = await t.db.pool.connect();
    try {
      await holder.query('BEGIN');
      await holder.query('SELECT id FROM hosts WHERE id = $1 FOR UPDATE', [hostId]);
      // Returns (does not block behind the held row); the unlocked host in the same batch is moved.
      const moved = await repo.touchUnchanged(t.db.pool, [touch(hostId, '2026-11-22T11:00:00Z'), touch(other, '2026-11-22T11:00:00Z')]);
      expect([...moved]).toEqual([other]);
    } finally {
      await holder.query('ROLLBACK');
      holder.release();
    }
    expect([...(await repo.touchUnchanged(t.db.pool, [touch(hostId, '2026-11-22T11:00:00Z')]))]).toEqual([hostId]);
    // Same collection time again: refused (not newer), so a redelivery never moves it twice.
    expect((await repo.touchUnchanged(t.db.pool, [touch(hostId, '2026-11-22T11:00:00Z')])).size).toBe(0);
  });
});

describe('hosts row updates of unchanged reports are HOT (migration 20261125180000_hosts_hot_touch)', () => {
  it('no index of hosts covers last_seen_at, and a batched touch is a heap-only update', async () => {
    const indexed = await t.db.pool.query(
      `SELECT i.indexrelid::regclass::text AS name FROM pg_index i JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY (i.indkey)
        WHERE i.indrelid = 'hosts'::regclass AND a.attname IN ('last_seen_at', 'last_collected_at', 'last_snapshot_id', 'evidence_hash')`,
    );
    expect(indexed.rows).toEqual([]);
    const hostId = await newHost();
    const first = report(`m-${hostId}`, '2026-11-23T10:00:00Z');
    expect((await run(hostId, first)).outcome).toBe('changed');
    const c = await t.db.pool.connect();
    try {
      await c.query('BEGIN');
      // The backend's counters not yet reported (earlier transactions of this pooled connection count too): compare.
      const counters = async () =>
        (await c.query<{ upd: string; hot: string }>(`SELECT pg_stat_get_xact_tuples_updated('hosts'::regclass) AS upd, pg_stat_get_xact_tuples_hot_updated('hosts'::regclass) AS hot`)).rows[0]!;
      const before = await counters();
      const moved = await repo.touchUnchanged(c, [{ hostId, snapshotId: randomUUID(), evidenceHash: evidenceHash(first), contentHash: null, collectedAt: '2026-11-23T11:00:00Z', receivedAt: '2026-11-23T11:00:01Z' }]);
      expect([...moved]).toEqual([hostId]);
      const after = await counters();
      // One hosts row updated, and that update was HOT.
      expect({ upd: Number(after.upd) - Number(before.upd), hot: Number(after.hot) - Number(before.hot) }).toEqual({ upd: 1, hot: 1 });
      await c.query('COMMIT');
    } finally {
      await c.query('ROLLBACK').catch(() => undefined); // a failed expectation must not leave the pooled connection in a transaction
      c.release();
    }
  });
});

describe('JSONB the worker writes is compressed with lz4 (migration 20261125181000_jsonb_lz4)', () => {
  it('a stored change has its evidence, facts and verdicts compressed with lz4', async () => {
    const hostId = await newHost();
    const body = report(`m-${hostId}`, '2026-11-23T12:00:00Z');
    expect((await run(hostId, body)).outcome).toBe('changed');
    const r = await t.db.pool.query(
      `SELECT pg_column_compression(s.evidence) AS evidence, pg_column_compression(s.facts) AS facts, pg_column_compression(s.verdicts) AS verdicts,
              pg_column_compression(h.facts) AS host_facts, pg_column_compression(h.verdicts) AS host_verdicts
         FROM snapshots s JOIN hosts h ON h.id = s.host_id WHERE s.id = $1`,
      [body.snapshotId],
    );
    expect(r.rows[0]).toEqual({ evidence: 'lz4', facts: 'lz4', verdicts: 'lz4', host_facts: 'lz4', host_verdicts: 'lz4' });
  });
});

describe('a change without the host lock (guarded SnapshotWriteRepository.storeChange)', () => {
  /** The current-state update and rows of `body` as the use case builds them (fresh firmware row). */
  async function changeOf(hostId: string, body: Body, prevSnapshotId: string | null) {
    const snapshot = SnapshotSchema.parse(body);
    const d = deriveSnapshot(snapshot);
    const firmwareId = await repo.upsertFirmware(t.db.pool, d.firmware);
    const update = {
      hostId, snapshotId: snapshot.snapshotId, collectedAt: snapshot.collectedAt, receivedAt: snapshot.collectedAt, bootId: snapshot.bootId,
      contentHash: d.contentHash, evidenceHash: evidenceHash(snapshot), firmwareId, xenVersion: d.xenVersion, agentVersion: snapshot.agent.version,
      hostname: snapshot.host.hostname, statuses: d.statuses, sriovTotals: d.sriovTotals, verdictsJson: d.verdictsJson, factsJson: d.factsJson,
    };
    const events = [{ type: 'firmware_changed', severity: 'info', message: 'test', details: {} }];
    return { update, rows: { evidenceJson: JSON.stringify(snapshot.evidence), pci: d.pci, sriov: d.sriov, acpi: d.acpi, events, prevSnapshotId }, d };
  }
  const counts = async (hostId: string) =>
    (await t.db.pool.query<{ snaps: string; events: string; pci: string; sriov: string; acpi: string; last: string }>(
      `SELECT (SELECT count(*) FROM snapshots WHERE host_id = $1) AS snaps, (SELECT count(*) FROM events WHERE host_id = $1) AS events,
              (SELECT count(*) FROM pci_devices WHERE host_id = $1) AS pci, (SELECT count(*) FROM sriov_functions WHERE host_id = $1) AS sriov,
              (SELECT count(*) FROM acpi_findings WHERE host_id = $1) AS acpi, (SELECT last_snapshot_id::text FROM hosts WHERE id = $1) AS last`,
      [hostId],
    )).rows[0]!;

  it('writes nothing when the row moved on or an alert opened since the read, and everything when it still holds', async () => {
    const hostId = await newHost();
    const first = report(`m-${hostId}`, '2026-11-24T10:00:00Z');
    expect((await run(hostId, first)).outcome).toBe('changed');
    const before = await counts(hostId);
    const base = (await repo.readForChange(t.db.pool, hostId, randomUUID()))!;
    expect(base.last_snapshot_id).toBe(first.snapshotId);
    expect(base.open_kinds).toEqual([]);
    const { update, rows } = await changeOf(hostId, report(`m-${hostId}`, '2026-11-24T11:00:00Z', { bios: '7.0' }), base.last_snapshot_id);

    // Another report was stored after the read: the guard's last snapshot no longer matches.
    const stale = await repo.storeChange(t.db.pool, update, rows, { lastSnapshotId: randomUUID(), contentHash: base.content_hash, openKinds: [] });
    expect(stale).toEqual({ applied: false, events: [] });
    // An alert opened after the read (the plan assumed none): nothing either.
    const alertId = randomUUID();
    await t.db.pool.query(`INSERT INTO alerts (id, host_id, kind, severity, state, summary, open_key) VALUES ($1, $2, 'iommu_lost', 'warning', 'firing', 's', $3)`, [alertId, hostId, `${hostId}:iommu_lost`]);
    const alerted = await repo.storeChange(t.db.pool, update, rows, { lastSnapshotId: base.last_snapshot_id, contentHash: base.content_hash, openKinds: [] });
    expect(alerted.applied).toBe(false);
    expect(await counts(hostId)).toEqual(before);

    // The same guard with the open kind it now has: applied once, with its event; a replay adds nothing.
    const ok = await repo.storeChange(t.db.pool, update, rows, { lastSnapshotId: base.last_snapshot_id, contentHash: base.content_hash, openKinds: ['iommu_lost'] });
    expect(ok.applied).toBe(true);
    expect(ok.events.map((e) => e.type)).toEqual(['firmware_changed']);
    const after = await counts(hostId);
    expect(after).toEqual({ ...before, snaps: String(Number(before.snaps) + 1), events: String(Number(before.events) + 1), last: update.snapshotId });
    const again = await repo.storeChange(t.db.pool, update, rows, { lastSnapshotId: base.last_snapshot_id, contentHash: base.content_hash, openKinds: ['iommu_lost'] });
    expect(again.applied).toBe(false);
    expect(await counts(hostId)).toEqual(after);
  });

  it('replaces device rows in the same statement: keys the new lists lack are deleted, repeated keys keep the first', async () => {
    const hostId = await newHost();
    expect((await run(hostId, report(`m-${hostId}`, '2026-11-24T10:00:00Z'))).outcome).toBe('changed');
    const base = (await repo.readForChange(t.db.pool, hostId, randomUUID()))!;
    const { update, rows } = await changeOf(hostId, report(`m-${hostId}`, '2026-11-24T12:00:00Z', { bios: '7.1' }), base.last_snapshot_id);
    expect(rows.pci.length).toBeGreaterThan(0);
    const keep = rows.pci[0]!;
    const extra = { ...keep, bdf: '0000:ff:1f.7', name: 'extra' };
    const guardOf = async () => {
      const b = (await repo.readForChange(t.db.pool, hostId, randomUUID()))!;
      return { lastSnapshotId: b.last_snapshot_id, contentHash: b.content_hash, openKinds: b.open_kinds };
    };
    const pciOf = async () => (await t.db.pool.query<{ bdf: string; name: string | null }>(`SELECT bdf, name FROM pci_devices WHERE host_id = $1 ORDER BY bdf`, [hostId])).rows;
    const first = await repo.storeChange(t.db.pool, update, { ...rows, pci: [keep, { ...keep, name: 'second copy' }, extra], events: [] }, await guardOf());
    expect(first.applied).toBe(true);
    expect(await pciOf()).toEqual([keep, extra].map((d) => ({ bdf: d.bdf, name: d.name })).sort((a, b) => (a.bdf < b.bdf ? -1 : 1)));
    // The next change lists `keep` only, no SR-IOV function and one ACPI finding at most.
    const next = await changeOf(hostId, report(`m-${hostId}`, '2026-11-24T12:30:00Z', { bios: '7.2' }), update.snapshotId);
    const second = await repo.storeChange(t.db.pool, next.update, { ...next.rows, pci: [keep], sriov: [], acpi: next.rows.acpi.slice(0, 1), events: [] }, await guardOf());
    expect(second.applied).toBe(true);
    expect(await pciOf()).toEqual([{ bdf: keep.bdf, name: keep.name }]);
    const c = await counts(hostId);
    expect([c.sriov, c.acpi, c.last]).toEqual(['0', String(Math.min(1, next.rows.acpi.length)), next.update.snapshotId]);
  });

  it('two changes of one host at once: the newer one is the current state, the state never goes back', async () => {
    const hostId = await newHost();
    expect((await run(hostId, report(`m-${hostId}`, '2026-11-24T10:00:00Z'))).outcome).toBe('changed');
    const older = report(`m-${hostId}`, '2026-11-24T13:00:00Z', { bios: '8.0' });
    const newer = report(`m-${hostId}`, '2026-11-24T14:00:00Z', { bios: '8.1' });
    const outcomes = (await Promise.all([run(hostId, older), run(hostId, newer)])).map((r) => r.outcome);
    expect(outcomes[1]).toBe('changed');
    expect(['changed', 'out_of_order']).toContain(outcomes[0]);
    const h = await hostRow(hostId);
    expect(h.last_snapshot_id).toBe(newer.snapshotId);
    const fw = await t.db.pool.query<{ bios_version: string }>(`SELECT f.bios_version FROM hosts h JOIN firmware f ON f.id = h.firmware_id WHERE h.id = $1`, [hostId]);
    expect(fw.rows[0]!.bios_version).toBe('8.1');
  });
});
