import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { randomUUID } from 'node:crypto';
import { snapshotBody } from '../../../../../bench/ingest-bodies';
import { AlertRepository } from '../../../../../libs/db/src/repositories/alert.repository';
import { EventRepository } from '../../../../../libs/db/src/repositories/event.repository';
import { SnapshotWriteRepository } from '../../../../../libs/db/src/repositories/snapshot-write.repository';
import { createTestDatabase, type TestDatabase } from '../../../../../libs/db/src/testing/test-db';
import { WorkerMetrics } from '../../metrics/worker-metrics';
import { RaiseAlertsUseCase } from '../raise-alerts/raise-alerts.use-case';
import { evidenceHash } from './derive-snapshot';
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
  sut = new NormalizeSnapshotUseCase(t.db.pool, repo, new EventRepository(), alerts, new RaiseAlertsUseCase(alerts, [], metrics), batcher, stats, metrics);
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
