import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createServer, Server } from 'node:http';
import { createTestDatabase, TestDatabase } from '../../libs/db/src/testing/test-db';
import { deleteKeysByPrefix, TEST_REDIS_URL, testQueuePrefix } from '../../libs/queue/src/testing/test-redis';
import type { Proc } from '../e2e/stack';
import { Fleet, freePort, newSecrets, report, stackEnv, startApi, startWorker, storedSnapshots, waitFor } from './harness';

interface Delivery {
  deliveryId: string;
  alertId: string;
  transition: string;
  hostname: string;
}

/** A webhook receiver on a fixed port that can be taken down and brought back. */
class Receiver {
  readonly got: Delivery[] = [];
  private server: Server | undefined;
  constructor(readonly port: number) {}
  get url(): string {
    return `http://127.0.0.1:${this.port}/hook`;
  }
  async up(): Promise<void> {
    const s = createServer((req, res) => {
      let body = '';
      req.on('data', (d) => (body += d));
      req.on('end', () => {
        const p = JSON.parse(body) as { transition: string; alert: { id: string }; host: { hostname: string } };
        this.got.push({ deliveryId: String(req.headers['x-virtcap-delivery']), alertId: p.alert.id, transition: p.transition, hostname: p.host.hostname });
        res.writeHead(204).end();
      });
    });
    await new Promise<void>((r, j) => s.once('error', j).listen(this.port, '127.0.0.1', () => r()));
    this.server = s;
  }
  async down(): Promise<void> {
    const s = this.server;
    this.server = undefined;
    if (s) await new Promise((r) => s.close(r).closeAllConnections());
  }
}

// Fault: the alert webhook receiver is down while alerts fire and resolve. Each host gets a BIOS update
// that disables VT-d (alert fires) and, a few seconds later, VT-d back on (alert resolves): two
// transitions per alert, both created while nobody listens. Once the receiver is back every transition
// must arrive exactly once, and for each alert `firing` before `resolved`. (Before the worker held a
// `resolved` back while its `firing` was pending, all 6 alerts arrived resolved-first: the older job had
// backed off longer.)
describe('fault: webhook receiver down for a while', () => {
  const HOSTS = 6;
  let t: TestDatabase;
  let prefix: string;
  let api: Proc | undefined;
  let worker: Proc | undefined;
  let receiver: Receiver;
  let env: Record<string, string>;
  const secrets = newSecrets();

  beforeAll(async () => {
    t = await createTestDatabase();
    prefix = testQueuePrefix();
    receiver = new Receiver(await freePort()); // not listening yet: connection refused
    env = stackEnv({
      databaseUrl: t.url,
      redisUrl: TEST_REDIS_URL,
      prefix,
      secrets,
      port: await freePort(),
      env: { VIRTCAP_ALERT_WEBHOOK_URL: receiver.url, WORKER_NOTIFY_BACKOFF_MS: '250' },
    });
    api = await startApi(env);
    worker = await startWorker(env);
  });

  afterAll(async () => {
    await Promise.all([api?.stop(), worker?.stop()]);
    await receiver?.down();
    await t?.drop();
    if (prefix) await deleteKeysByPrefix(prefix);
  });

  it('delivers every transition once the receiver returns, each once, firing before resolved', async () => {
    const fleet = await Fleet.enrolled(`http://127.0.0.1:${env.PORT}`, secrets, HOSTS, { profile: 'intel-vtd-sriov' });
    const ids: string[] = [];
    let accepted = 0;
    const round = async (label: string, at: Date) => {
      const batch = fleet.snapshots(at);
      for (const { host, snapshot } of batch) if ((await fleet.deliver(host, snapshot, { attempts: 3 })).kind === 'accepted') accepted++;
      ids.push(...batch.map((b) => b.snapshot.snapshotId));
      await waitFor(`${label} stored`, async () => (await storedSnapshots(t.db.pool, ids)).stored === ids.length);
    };
    const t0 = Date.now();
    await round('BIOS 3.1', new Date(t0));
    for (const h of fleet.hosts) {
      h.biosIndex = 1;
      h.vtdDisabledByBios = true;
      h.bootId = crypto.randomUUID();
    }
    await round('BIOS 3.2 with VT-d off', new Date(t0 + 1000));
    const { rows: firing } = await t.db.pool.query<{ n: number }>("SELECT count(*)::int AS n FROM alerts WHERE kind = 'bios_update_disabled_iommu' AND state = 'firing'");
    expect(firing[0]!.n).toBe(HOSTS);
    await new Promise((r) => setTimeout(r, 2000)); // the firing deliveries keep failing meanwhile
    for (const h of fleet.hosts) {
      h.vtdDisabledByBios = false;
      h.bootId = crypto.randomUUID();
    }
    await round('VT-d back on', new Date(t0 + 2000));

    // Both transitions of every alert are pending; every `firing` has failed at least twice against the
    // closed port (a `resolved` is held back, without an attempt at the receiver, while its `firing` is pending).
    await waitFor('every firing delivery to have failed twice', async () => {
      const { rows } = await t.db.pool.query<{ n: number; min: number }>(
        "SELECT count(*)::int AS n, min(attempts) FILTER (WHERE transition = 'firing')::int AS min FROM notification_deliveries WHERE status = 'pending'",
      );
      return rows[0]!.n === 2 * HOSTS && rows[0]!.min >= 2;
    }, 20_000);
    const downFor = Date.now() - t0;
    await receiver.up();

    await waitFor('every delivery to be delivered', async () => {
      const { rows } = await t.db.pool.query<{ n: number }>("SELECT count(*)::int AS n FROM notification_deliveries WHERE status = 'delivered'");
      return rows[0]!.n === 2 * HOSTS;
    }, 45_000);
    await new Promise((r) => setTimeout(r, 1000)); // a late duplicate would show up here

    const { rows: deliveries } = await t.db.pool.query<{ id: string; alert_id: string; transition: string; attempts: number }>(
      'SELECT id, alert_id, transition, attempts FROM notification_deliveries ORDER BY created_at',
    );
    const received = receiver.got;
    const perDelivery = new Map<string, number>();
    for (const r of received) perDelivery.set(r.deliveryId, (perDelivery.get(r.deliveryId) ?? 0) + 1);
    const duplicates = [...perDelivery.values()].reduce((a, n) => a + n - 1, 0);
    const missing = deliveries.filter((d) => !perDelivery.has(d.id)).length;
    const outOfOrder = new Set(deliveries.map((d) => d.alert_id)).size - [...new Set(deliveries.map((d) => d.alert_id))].filter((alertId) => {
      const order = received.filter((r) => r.alertId === alertId).map((r) => r.transition);
      return order.join(',') === 'firing,resolved';
    }).length;
    const { stored, duplicates: rowDuplicates } = await storedSnapshots(t.db.pool, ids);

    const line = report({
      scenario: 'webhook receiver down',
      sent: ids.length,
      accepted,
      stored,
      duplicates: rowDuplicates + duplicates,
      lost: accepted - stored + missing,
      notes: {
        transitions: deliveries.length,
        received: received.length,
        missing,
        duplicateDeliveries: duplicates,
        outOfOrderAlerts: outOfOrder,
        receiverDownMs: downFor,
        maxAttempts: Math.max(...deliveries.map((d) => d.attempts)),
      },
    });
    expect(line).toContain('lost=0');
    expect(deliveries).toHaveLength(2 * HOSTS);
    expect(received).toHaveLength(2 * HOSTS);
    expect(duplicates).toBe(0);
    expect(missing).toBe(0);
    expect(outOfOrder).toBe(0);
  }, 120_000);
});
