import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Queue, QueueEvents } from 'bullmq';
import { createHmac, randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { TestDatabase } from '../../libs/db/src/testing/test-db';
import { QueueName, redisConnection } from '../../libs/queue/src';
import { TEST_REDIS_URL } from '../../libs/queue/src/testing/test-redis';
import { WorkerRuntime } from '../../apps/worker/src/worker-runtime';
import { newHost as newHostRow, startWorkerHarness, TEST_WORKER_CONFIG, workerEnv, type WorkerHarness } from './harness';
import { snapshotFor, type HostShape } from './snapshots';

const SECRET = 'test-webhook-secret-0123456789';
interface Received { body: string; headers: Record<string, string | string[] | undefined> }

let harness: WorkerHarness;
let tdb: TestDatabase;
let prefix: string;
let server: Server;
let received: Received[] = [];
let failNext = 0;
/** Only deliveries about this host fail (another test's delivery still being retried must not use up the failures). */
let failHost: string | undefined;
let failedCount = 0;
let runtime: WorkerRuntime;
let queue: Queue;
let events: QueueEvents;

/** This file's worker settings: concurrency 8, alerts to the loopback webhook receiver below. */
const webhook = () => ({ WORKER_CONCURRENCY: 8, VIRTCAP_ALERT_WEBHOOK_URL: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`, VIRTCAP_ALERT_WEBHOOK_SECRET: SECRET });
const env = () => workerEnv(prefix, webhook());
const config = TEST_WORKER_CONFIG;
const newHost = () => newHostRow(tdb);

async function run(hostId: string, h: HostShape, at: Date, snapshotId?: string): Promise<{ outcome: string; events: string[] }> {
  const snapshot = snapshotFor(h, at, snapshotId);
  const job = await queue.add('snapshot.normalize', { hostId, receivedAt: new Date().toISOString(), snapshot }, { attempts: 3, backoff: { type: 'fixed', delay: 50 } });
  return (await job.waitUntilFinished(events, 30_000)) as { outcome: string; events: string[] };
}

async function until<T>(f: () => Promise<T | undefined>, ms = 20_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await f();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 50));
  }
}

const q1 = async <T>(sql: string, params: unknown[] = []): Promise<T> => (await tdb.db.pool.query(sql, params)).rows[0] as T;

beforeAll(async () => {
  server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      if (failNext > 0 && (JSON.parse(body) as { host?: { id?: string } }).host?.id === failHost) {
        failNext--;
        failedCount++;
        res.writeHead(503).end('down');
        return;
      }
      received.push({ body, headers: req.headers });
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  harness = await startWorkerHarness(webhook);
  ({ tdb, prefix, runtime, queue, events } = harness);
});

afterAll(async () => {
  await harness?.close();
  await new Promise((r) => server?.close(r));
});

describe('worker: BIOS update disabled VT-d, end to end', () => {
  it('fires one critical alert with one signed webhook delivery, and resolves it when the IOMMU returns', async () => {
    received = [];
    const hostId = await newHost();
    const t0 = Date.parse('2026-11-20T10:00:00Z');
    expect((await run(hostId, { bios: '2.10.2', iommu: true, bootId: 'b1' }, new Date(t0))).outcome).toBe('changed');
    const second = await run(hostId, { bios: '2.11.0', iommu: false, bootId: 'b2' }, new Date(t0 + 3_600_000));
    expect(second.outcome).toBe('changed');
    expect(second.events).toEqual(expect.arrayContaining(['boot_changed', 'firmware_changed', 'bios_update_disabled_iommu', 'iommu_lost']));

    const alert = await q1<{ id: string; kind: string; severity: string; state: string; summary: string }>(`SELECT id, kind, severity, state, summary FROM alerts WHERE host_id = $1`, [hostId]);
    expect(alert).toMatchObject({ kind: 'bios_update_disabled_iommu', severity: 'critical', state: 'firing', summary: 'BIOS update disabled VT-d/AMD-Vi' });
    expect(Number((await q1<{ n: string }>(`SELECT count(*) AS n FROM alerts WHERE host_id = $1`, [hostId])).n)).toBe(1);
    const linked = await tdb.db.pool.query(`SELECT e.type FROM alert_events ae JOIN events e ON e.id = ae.event_id WHERE ae.alert_id = $1 ORDER BY e.type`, [alert.id]);
    expect(linked.rows.map((r) => r.type)).toEqual(['bios_update_disabled_iommu', 'firmware_changed']);
    const host = await q1<{ iommu_status: string; bios_version: string }>(`SELECT h.iommu_status, f.bios_version FROM hosts h JOIN firmware f ON f.id = h.firmware_id WHERE h.id = $1`, [hostId]);
    expect(host).toEqual({ iommu_status: 'disabled-by-firmware', bios_version: '2.11.0' });

    const firing = await until(async () => received.find((r) => JSON.parse(r.body).alert.id === alert.id));
    expect(firing.headers['x-virtcap-signature']).toBe(`sha256=${createHmac('sha256', SECRET).update(firing.body).digest('hex')}`);
    const body = JSON.parse(firing.body);
    expect(body.transition).toBe('firing');
    expect(body.host.id).toBe(hostId);
    expect(body.events.map((e: { type: string }) => e.type).sort()).toEqual(['bios_update_disabled_iommu', 'firmware_changed']);
    const delivery = await q1<{ id: string; status: string; attempts: number }>(`SELECT id, status, attempts FROM notification_deliveries WHERE alert_id = $1 AND transition = 'firing'`, [alert.id]);
    expect(firing.headers['x-virtcap-delivery']).toBe(delivery.id);
    await until(async () => ((await q1<{ status: string }>(`SELECT status FROM notification_deliveries WHERE id = $1`, [delivery.id])).status === 'delivered' ? true : undefined));

    // A third snapshot (BIOS setting turned back on) restores the IOMMU: the alert resolves, with a 'resolved' delivery.
    const third = await run(hostId, { bios: '2.11.0', iommu: true, bootId: 'b3' }, new Date(t0 + 7_200_000));
    expect(third.events).toEqual(expect.arrayContaining(['iommu_restored']));
    const after = await q1<{ state: string; open_key: string | null; resolved_at: Date | null }>(`SELECT state, open_key, resolved_at FROM alerts WHERE id = $1`, [alert.id]);
    expect(after.state).toBe('resolved');
    expect(after.open_key).toBeNull();
    expect(after.resolved_at).not.toBeNull();
    const resolved = await until(async () => received.find((r) => JSON.parse(r.body).alert.id === alert.id && JSON.parse(r.body).transition === 'resolved'));
    expect(JSON.parse(resolved.body).alert.state).toBe('resolved');
    expect(received.filter((r) => JSON.parse(r.body).alert.id === alert.id)).toHaveLength(2);
    expect(Number((await q1<{ n: string }>(`SELECT count(*) AS n FROM snapshots WHERE host_id = $1`, [hostId])).n)).toBe(3);
  });
});

describe('worker: idempotence and disorder', () => {
  it('the same snapshot twice stores one history row and no duplicate events', async () => {
    const hostId = await newHost();
    const id = randomUUID();
    await run(hostId, { bios: '1.0', iommu: true, bootId: 'x' }, new Date('2026-11-20T10:00:00Z'));
    expect((await run(hostId, { bios: '1.1', iommu: true, bootId: 'y' }, new Date('2026-11-20T11:00:00Z'), id)).outcome).toBe('changed');
    expect((await run(hostId, { bios: '1.1', iommu: true, bootId: 'y' }, new Date('2026-11-20T11:00:00Z'), id)).outcome).toBe('duplicate');
    expect(Number((await q1<{ n: string }>(`SELECT count(*) AS n FROM snapshots WHERE id = $1`, [id])).n)).toBe(1);
    const ev = await tdb.db.pool.query(`SELECT type FROM events WHERE snapshot_id = $1 ORDER BY type`, [id]);
    expect(ev.rows.map((r) => r.type)).toEqual(['boot_changed', 'firmware_changed']);
  });

  it('an unchanged report only moves last_seen_at (no history row)', async () => {
    const hostId = await newHost();
    await run(hostId, { bios: '1.0', iommu: true }, new Date('2026-11-20T10:00:00Z'));
    const later = randomUUID();
    expect((await run(hostId, { bios: '1.0', iommu: true }, new Date('2026-11-20T10:05:00Z'), later)).outcome).toBe('unchanged');
    const h = await q1<{ last_snapshot_id: string; n: string }>(`SELECT last_snapshot_id, (SELECT count(*) FROM snapshots WHERE host_id = $1) AS n FROM hosts WHERE id = $1`, [hostId]);
    expect(h).toEqual({ last_snapshot_id: later, n: '1' });
  });

  it('an older snapshot arriving after a newer one does not move the state back', async () => {
    const hostId = await newHost();
    expect((await run(hostId, { bios: '1.0', iommu: false }, new Date('2026-11-20T12:00:00Z'))).outcome).toBe('changed');
    expect((await run(hostId, { bios: '1.0', iommu: true }, new Date('2026-11-20T11:00:00Z'))).outcome).toBe('out_of_order');
    const h = await q1<{ iommu_status: string; last_collected_at: Date }>(`SELECT iommu_status, last_collected_at FROM hosts WHERE id = $1`, [hostId]);
    expect(h.iommu_status).toBe('disabled-by-firmware');
    expect(h.last_collected_at.toISOString()).toBe('2026-11-20T12:00:00.000Z');
    expect(Number((await q1<{ n: string }>(`SELECT count(*) AS n FROM events WHERE host_id = $1`, [hostId])).n)).toBe(0);
  });

  it('two workers racing on one host end consistent, without duplicate rows', async () => {
    const second = new WorkerRuntime(tdb.db, env(), config);
    await second.start({ schedule: false, notifications: false });
    try {
      const hostId = await newHost();
      const t0 = Date.parse('2026-11-21T00:00:00Z');
      const shapes = Array.from({ length: 40 }, (_, i) => ({ shape: { bios: '3.0', iommu: i % 3 !== 0, bootId: `b${Math.floor(i / 5)}` }, at: new Date(t0 + i * 60_000), id: randomUUID() }));
      const jobs = await queue.addBulk(
        [...shapes, ...shapes.slice(10, 20)].map((s) => ({ name: 'snapshot.normalize', data: { hostId, receivedAt: new Date().toISOString(), snapshot: snapshotFor(s.shape, s.at, s.id) }, opts: { attempts: 5, backoff: { type: 'fixed', delay: 20 } } })),
      );
      await Promise.all(jobs.map((j) => j.waitUntilFinished(events, 30_000)));
      const last = shapes[shapes.length - 1]!;
      const h = await q1<{ last_snapshot_id: string; iommu_status: string; last_boot_id: string }>(`SELECT last_snapshot_id, iommu_status, last_boot_id FROM hosts WHERE id = $1`, [hostId]);
      expect(last.shape.iommu).toBe(false); // i = 39: every third snapshot has the IOMMU off
      expect(h).toEqual({ last_snapshot_id: last.id, iommu_status: 'disabled-by-firmware', last_boot_id: 'b7' });
      const dup = await q1<{ n: string }>(`SELECT count(*) AS n FROM (SELECT snapshot_id, type FROM events WHERE host_id = $1 GROUP BY 1, 2 HAVING count(*) > 1) d`, [hostId]);
      expect(dup.n).toBe('0');
      const snaps = await q1<{ n: string; d: string }>(`SELECT count(*) AS n, count(DISTINCT id) AS d FROM snapshots WHERE host_id = $1`, [hostId]);
      expect(snaps.n).toBe(snaps.d);
      const open = await q1<{ n: string }>(`SELECT count(*) AS n FROM alerts WHERE host_id = $1 AND open_key IS NOT NULL`, [hostId]);
      expect(Number(open.n)).toBeLessThanOrEqual(1);
    } finally {
      await second.close();
    }
  });
});

describe('worker: failures', () => {
  it('dead-letters a bad job without retrying it and keeps processing the next good one', async () => {
    const badId = randomUUID();
    const bad = await queue.add('snapshot.normalize', { hostId: randomUUID(), receivedAt: new Date().toISOString(), snapshot: { snapshotId: badId, schemaVersion: 1 } }, { attempts: 5 });
    await expect(bad.waitUntilFinished(events, 30_000)).rejects.toThrow(/schema/);
    const missing = snapshotFor({ bios: '1', iommu: true }, new Date());
    const orphan = await queue.add('snapshot.normalize', { hostId: randomUUID(), receivedAt: new Date().toISOString(), snapshot: missing }, { attempts: 5 });
    await expect(orphan.waitUntilFinished(events, 30_000)).rejects.toThrow(/missing_host/);
    expect((await queue.getJob(orphan.id!))!.attemptsMade).toBe(1);
    const dl = await tdb.db.pool.query(`SELECT snapshot_id, reason FROM dead_letters WHERE snapshot_id = ANY($1) ORDER BY id`, [[badId, missing.snapshotId]]);
    expect(dl.rows.map((r) => r.snapshot_id)).toEqual([badId, missing.snapshotId]);
    expect(dl.rows[1].reason).toMatch(/^missing_host: host .* does not exist$/);
    const dlq = new Queue(QueueName.DeadLetter, { connection: redisConnection(TEST_REDIS_URL, 'worker'), prefix });
    expect((await dlq.getJobs(['waiting'])).map((j) => j.data.snapshotId).sort()).toEqual([badId, missing.snapshotId].sort());
    await dlq.close();
    const hostId = await newHost();
    expect((await run(hostId, { bios: '1', iommu: true }, new Date())).outcome).toBe('changed');
  });

  it('a webhook receiver that fails three times then succeeds gets the alert once, attempts = 4', async () => {
    received = [];
    const hostId = await newHost();
    await run(hostId, { bios: '5.0', iommu: true }, new Date('2026-11-22T10:00:00Z'));
    failHost = hostId;
    failNext = 3;
    failedCount = 0;
    await run(hostId, { bios: '5.0', iommu: false }, new Date('2026-11-22T11:00:00Z'));
    const alert = await q1<{ id: string; kind: string }>(`SELECT id, kind FROM alerts WHERE host_id = $1`, [hostId]);
    expect(alert.kind).toBe('iommu_lost');
    const d = await until(async () => {
      const r = await q1<{ status: string; attempts: number; last_error: string | null }>(`SELECT status, attempts, last_error FROM notification_deliveries WHERE alert_id = $1`, [alert.id]);
      return r.status === 'delivered' ? r : undefined;
    });
    expect(d).toEqual({ status: 'delivered', attempts: 4, last_error: null });
    expect(failedCount).toBe(3);
    expect(received.filter((r) => JSON.parse(r.body).alert.id === alert.id)).toHaveLength(1);
  });
});
