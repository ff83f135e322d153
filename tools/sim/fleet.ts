import { gzipSync } from 'node:zlib';
import { snapshotWireJson, type Snapshot } from '../../libs/contracts/src';
import { buildSnapshot } from '../../apps/agent/src/snapshot/build-snapshot';
import { libsInterpreter } from '../../apps/agent/src/snapshot/interpreter';
import { deliverSnapshot, type DeliveryOutcome } from '../../apps/agent/src/send/deliver';
import { post } from '../../apps/agent/src/send/http-post';
import type { Logger } from '../../apps/agent/src/log';
import type { EvidenceBundle } from '../../apps/agent/src/collect/types';
import { Rng } from './rng';
import { Profile, withFirmware, withVfsEnabled, withVtdDisabledByBios } from './profiles';

export interface SimHost {
  index: number;
  hostname: string;
  machineId: string;
  labels: Record<string, string>;
  profile: Profile;
  biosIndex: number;
  vtdDisabledByBios: boolean;
  vfsEnabled: number;
  bootId: string;
  token?: string;
  hostId?: string;
  stale: boolean;
}

export interface FleetStats {
  enrolled: number;
  sent: number;
  queued: number;
  duplicate: number;
  rejected: number;
  unavailable: number;
  enrollFailed: number;
}

const DATACENTERS = [['fra1', 4], ['ams2', 3], ['iad1', 3]] as const;
const CLUSTERS = ['c1', 'c2', 'c3', 'c4'] as const;

/** A deterministic fleet for a seed: hosts, their boards and BIOS versions, and their labels. */
export function makeFleet(profiles: Profile[], count: number, seed: number): SimHost[] {
  const rng = new Rng(seed);
  const hosts: SimHost[] = [];
  for (let i = 0; i < count; i++) {
    const profile = rng.weighted(profiles.map((p) => [p, p.weight] as const));
    const dc = rng.weighted(DATACENTERS);
    const cluster = rng.pick(CLUSTERS);
    hosts.push({
      index: i,
      hostname: `xen-${dc}-${cluster}-${String(i).padStart(5, '0')}`,
      machineId: rng.uuid().replace(/-/g, ''),
      labels: { datacenter: dc, cluster, profile: profile.name },
      profile,
      biosIndex: 0,
      vtdDisabledByBios: false,
      vfsEnabled: 0,
      bootId: rng.uuid(),
      stale: false,
    });
  }
  return hosts;
}

/** Builds and sends snapshots for simulated hosts through the agent's own snapshot and delivery code. */
export class FleetClient {
  readonly stats: FleetStats = { enrolled: 0, sent: 0, queued: 0, duplicate: 0, rejected: 0, unavailable: 0, enrollFailed: 0 };
  private readonly templates = new Map<string, Snapshot>();
  private readonly rng: Rng;

  constructor(
    private readonly server: string,
    private readonly enrollSecret: string,
    private readonly log: Logger,
    seed: number,
  ) {
    this.rng = new Rng(seed ^ 0x5eed);
  }

  async enroll(h: SimHost): Promise<boolean> {
    const body = Buffer.from(JSON.stringify({ enrollSecret: this.enrollSecret, hostname: h.hostname, machineId: h.machineId, labels: h.labels }));
    for (let attempt = 0; attempt < 5; attempt++) {
      const res = await post(`${this.server}/v1/enroll`, body, { headers: { 'Content-Type': 'application/json' }, timeoutMs: 10_000 });
      if (res.kind === 'response' && res.status === 201) {
        const { hostId, token } = JSON.parse(res.body) as { hostId: string; token: string };
        h.hostId = hostId;
        h.token = token;
        this.stats.enrolled++;
        return true;
      }
      if (res.kind === 'response' && res.status < 500 && res.status !== 429) {
        this.log.error(`enroll ${h.hostname}: HTTP ${res.status} ${res.body.slice(0, 200)}`);
        break;
      }
      await new Promise((r) => setTimeout(r, 200 * 2 ** attempt));
    }
    this.stats.enrollFailed++;
    return false;
  }

  /** The evidence this host would capture right now. */
  evidenceFor(h: SimHost): EvidenceBundle {
    let b = withFirmware(h.profile.bundle, h.profile.board, h.profile.biosVersions[h.biosIndex]!);
    if (h.vtdDisabledByBios) b = withVtdDisabledByBios(b);
    if (h.vfsEnabled > 0 && h.profile.sriovPf) b = withVfsEnabled(b, h.profile.sriovPf, h.vfsEnabled, 8);
    return b;
  }

  /** One snapshot per (profile, BIOS, variant) is parsed; hosts sharing it get a copy with their identity. */
  snapshotFor(h: SimHost, now: Date): Snapshot {
    const key = `${h.profile.name}|${h.biosIndex}|${h.vtdDisabledByBios}|${h.vfsEnabled}`;
    let tpl = this.templates.get(key);
    if (!tpl) {
      const built = buildSnapshot({
        bundle: this.evidenceFor(h),
        collection: { mode: 'evidence-dir', runs: [], notes: [`simulated host profile ${h.profile.name}`] },
        host: { hostname: 'template', machineId: 'template', labels: {} },
        interpreter: libsInterpreter,
        now,
      });
      if (!built.ok) throw new Error(`profile ${key} does not make a valid snapshot: ${built.issues.join('; ')}`);
      tpl = built.snapshot;
      this.templates.set(key, tpl);
    }
    return {
      ...tpl,
      snapshotId: this.rng.uuid(),
      collectedAt: now.toISOString(),
      bootId: h.bootId,
      host: { hostname: h.hostname, machineId: h.machineId, labels: h.labels },
    };
  }

  /**
   * Sends the host's current snapshot. `onDelivered` gets the delivery time in ms (the agent's POST with its
   * retries, without building and gzipping the body), for client-side ingest latency.
   */
  async send(h: SimHost, now = new Date(), onDelivered?: (ms: number, out: DeliveryOutcome) => void): Promise<DeliveryOutcome> {
    if (!h.token) throw new Error(`${h.hostname} is not enrolled`);
    const snap = this.snapshotFor(h, now);
    const body = gzipSync(snapshotWireJson(snap)); // the agent's body (apps/agent spool)
    const t0 = performance.now();
    const out = await deliverSnapshot(body, snap.snapshotId, {
      server: this.server,
      token: h.token,
      requestTimeoutMs: 15_000,
      maxAttempts: 6,
      baseDelayMs: 200,
      maxDelayMs: 5_000,
      maxRetryAfterMs: 30_000,
      log: this.log,
      random: () => this.rng.next(),
    });
    onDelivered?.(performance.now() - t0, out);
    this.stats.sent++;
    if (out.kind === 'accepted') {
      if (out.status === 'duplicate') this.stats.duplicate++;
      else this.stats.queued++;
    } else if (out.kind === 'unavailable') this.stats.unavailable++;
    else {
      this.stats.rejected++;
      this.log.error(`${h.hostname}: ${out.kind} ${out.reason}`);
    }
    return out;
  }
}

/**
 * A routine change between two reports, so some share of a steady fleet's reports are not byte-identical
 * in content: a reboot (new boot id; the content hash includes it) or, on a host with an SR-IOV PF, VFs
 * switched on or off. Returns what changed.
 */
export function perturb(h: SimHost, rng: Rng): 'reboot' | 'sriov' {
  if (h.profile.sriovPf && !h.vtdDisabledByBios && rng.next() < 0.5) {
    h.vfsEnabled = h.vfsEnabled > 0 ? 0 : 4;
    return 'sriov';
  }
  h.bootId = rng.uuid();
  return 'reboot';
}

/** The BIOS roll-out of the demo: the host moves to its board's next BIOS, which switches VT-d off (and reboots). */
export function rollOutVtdDisablingBios(h: SimHost, rng: Rng): void {
  h.biosIndex = Math.min(1, h.profile.biosVersions.length - 1);
  h.vtdDisabledByBios = true;
  h.bootId = rng.uuid();
}

/** Runs `fn` over `items` with at most `limit` in flight. */
export async function pool<T>(items: readonly T[], limit: number, fn: (t: T) => Promise<unknown>): Promise<void> {
  let next = 0;
  const lanes = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) await fn(items[next++]!);
  });
  await Promise.all(lanes);
}
