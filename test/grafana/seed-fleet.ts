import { randomUUID } from 'node:crypto';
import { buildSnapshot } from '../../apps/agent/src/snapshot/build-snapshot';
import { libsInterpreter } from '../../apps/agent/src/snapshot/interpreter';
import { WorkerMetrics } from '../../apps/worker/src/metrics/worker-metrics';
import { IngestStatsBuffer } from '../../apps/worker/src/use-cases/normalize-snapshot/ingest-stats-buffer';
import { NormalizeSnapshotUseCase } from '../../apps/worker/src/use-cases/normalize-snapshot/normalize-snapshot.use-case';
import { UnchangedBatcher } from '../../apps/worker/src/use-cases/normalize-snapshot/unchanged-batcher';
import { RaiseAlertsUseCase } from '../../apps/worker/src/use-cases/raise-alerts/raise-alerts.use-case';
import type { Db } from '../../libs/db/src/db';
import { AlertRepository } from '../../libs/db/src/repositories/alert.repository';
import { DeadLetterRepository } from '../../libs/db/src/repositories/dead-letter.repository';
import { HostRepository } from '../../libs/db/src/repositories/host.repository';
import { SnapshotWriteRepository } from '../../libs/db/src/repositories/snapshot-write.repository';
import type { EvidenceBundle } from '../../libs/evidence/src/host-facts';
import { loadHost } from '../fixtures/hosts/load-host';

/**
 * A small fleet seeded through the real path: evidence directories assembled from the corpus
 * (test/fixtures/hosts, each file with its .source.txt) → the agent's buildSnapshot → the worker's
 * NormalizeSnapshotUseCase (firmware, history, device rows, events, alerts, ingest stats).
 *
 * The captures come from different machines; the changes are SYNTHETIC edits of them, as in
 * libs/verdicts/src/compare/compare.spec.ts: a BIOS update is the dmidecode `Version:` line; "the update
 * turned VT-d off" is `virt_caps` losing hvm_directio and the DMAR table (found as RMAD) disappearing.
 * The Gigabyte F2A78M-HD2 IVRS bytes are real (linuxhw/ACPI) but that dump carries no DMI: its dmi/ strings
 * below are SYNTHETIC (board from the linuxhw path, BIOS vendor/version/date made up for the test).
 */
const QUBES = loadHost('intel-qubes-4.17-xlinfo')['xl-info.txt'] as string;
const RYZEN = loadHost('amd-ryzen-4.13-xlinfo')['xl-info.txt'] as string;
const DMIDECODE = loadHost('poweredge-r730-dmidecode')['dmidecode.txt'] as string;
const DMAR = loadHost('dell-xps8940-dmar')['acpi/DMAR'] as Uint8Array;
const IVRS_BROKEN = loadHost('gigabyte-f2a78m-ivrs-broken')['acpi/IVRS'] as Uint8Array;
const CX4 = loadHost('connectx4lx-lspci')['lspci-vv.txt'] as string;
const NVME_GUEST = loadHost('samsung-nvme-sriov-guest');
const RMAD = (() => {
  const b = Uint8Array.from(DMAR);
  b.set([0x52, 0x4d, 0x41, 0x44], 0); // "RMAD": Xen's rename of DMAR in dom0, same checksum
  return b;
})();
const NO_IOMMU_CAPS = 'pv hvm hap vmtrace gnttab-v1';
const setField = (info: string, name: string, value: string) => info.replace(new RegExp(`^${name}\\s*:.*$`, 'm'), `${name.padEnd(23)}: ${value}`);

const r730 = (bios: string, iommuOn = true): EvidenceBundle => {
  const b: EvidenceBundle = {
    'xl-info.txt': iommuOn ? QUBES : setField(QUBES, 'virt_caps', NO_IOMMU_CAPS),
    'dmidecode.txt': DMIDECODE.replace('\tVersion: 2.4.3', `\tVersion: ${bios}`),
  };
  if (iommuOn) b['acpi/RMAD'] = RMAD;
  return b;
};
/** The Gigabyte board with the broken IVRS on BIOS `bios` (SYNTHETIC DMI strings, see above). */
export const gigabyte = (bios = 'F5'): EvidenceBundle => ({
  'xl-info.txt': RYZEN,
  'acpi/IVRS': IVRS_BROKEN,
  'dmi/board_vendor': 'Gigabyte Technology Co., Ltd.\n',
  'dmi/board_name': 'F2A78M-HD2\n',
  'dmi/bios_vendor': 'American Megatrends Inc.\n',
  'dmi/bios_version': `${bios}\n`,
  'dmi/bios_date': '07/04/2014\n',
});

export const HOUR = 3_600_000;
export const DAY = 24 * HOUR;

/** What the seed did, for the assertions. */
export interface SeededFleet {
  now: Date;
  hostIds: Record<string, string>;
  hostnames: string[];
}

/** Reports snapshots for hosts through the agent's snapshot builder and the worker's normalize use case. */
export function createSeeder(db: Db) {
  const hosts = new HostRepository(db);
  const snapshots = new SnapshotWriteRepository();
  const metrics = new WorkerMetrics({ defaultMetrics: false });
  const stats = new IngestStatsBuffer(db.pool, snapshots, 60_000);
  const batcher = new UnchangedBatcher(db.pool, snapshots, 5);
  const alerts = new AlertRepository();
  const normalize = new NormalizeSnapshotUseCase(db.pool, snapshots, new RaiseAlertsUseCase(alerts, [], metrics), batcher, stats, metrics);
  const hostIds: Record<string, string> = {};
  const report = async (hostname: string, labels: Record<string, string>, bundle: EvidenceBundle, at: Date, bootId = 'boot-1') => {
    hostIds[hostname] ??= (await hosts.enroll({ machineId: `machine-${hostname}`, hostname, labels, tokenHash: randomUUID() })).hostId;
    const built = buildSnapshot({
      bundle,
      collection: { mode: 'evidence-dir', runs: [], notes: [] },
      bootId,
      host: { hostname, machineId: `machine-${hostname}`, labels },
      interpreter: libsInterpreter,
      now: at,
    });
    if (!built.ok) throw new Error(`snapshot for ${hostname} invalid: ${built.issues.join('; ')}`);
    return normalize.execute({ hostId: hostIds[hostname], receivedAt: at.toISOString(), snapshot: built.snapshot });
  };
  /** Writes what the worker batches (unchanged touches, per-minute stats). */
  const finish = async () => {
    await batcher.drain();
    await stats.flush();
  };
  return { report, finish, hostIds };
}

/** Seeds the fleet into `db` through the worker's normalize use case. */
export async function seedFleet(db: Db, now = new Date()): Promise<SeededFleet> {
  const { report, finish, hostIds } = createSeeder(db);
  const ago = (ms: number) => new Date(now.getTime() - ms);
  const fra1c1 = { datacenter: 'fra1', cluster: 'c1' };
  const ams1c2 = { datacenter: 'ams1', cluster: 'c2' };

  // Dell R730s on BIOS 2.4.3 with VT-d on; BIOS 2.5.0 turns VT-d off on r730-01 only; 2.4.4 is harmless.
  for (const n of ['r730-01', 'r730-02']) await report(n, fra1c1, r730('2.4.3'), ago(10 * DAY));
  await report('r730-01', fra1c1, r730('2.5.0', false), ago(2 * DAY));
  await report('r730-02', fra1c1, r730('2.5.0'), ago(2 * DAY));
  for (const n of ['r730-03', 'r730-04', 'r730-05']) {
    await report(n, ams1c2, r730('2.4.3'), ago(9 * DAY));
    await report(n, ams1c2, r730('2.4.4'), ago(1 * DAY));
  }
  // Hourly reports since then changed nothing: the worker's unchanged path only moves last_seen_at.
  await report('r730-01', fra1c1, r730('2.5.0', false), ago(15 * 60_000));
  await report('r730-02', fra1c1, r730('2.5.0'), ago(15 * 60_000));
  for (const n of ['r730-03', 'r730-04', 'r730-05']) await report(n, ams1c2, r730('2.4.4'), ago(15 * 60_000));
  // Two Gigabyte F2A78M-HD2 boards whose IVRS has no southbridge IO-APIC entry; gb-02 stopped reporting.
  await report('gb-01', { datacenter: 'ams1', cluster: 'c3' }, gigabyte(), ago(10 * 60_000));
  await report('gb-02', { datacenter: 'ams1', cluster: 'c3' }, gigabyte(), ago(5 * HOUR));
  // SR-IOV: a ConnectX-4 Lx with 4 of 8 VFs enabled, and a Samsung NVMe whose VF a guest holds.
  await report('cx4-01', { datacenter: 'fra1', cluster: 'c2' }, { ...r730('2.4.3'), 'lspci-vv.txt': CX4, 'sysfs/pci/0000:01:00.0/sriov_totalvfs': '8\n', 'sysfs/pci/0000:01:00.0/sriov_numvfs': '4\n' }, ago(30 * 60_000));
  await report('nvme-01', { datacenter: 'fra1', cluster: 'c2' }, { ...NVME_GUEST, 'xl-info.txt': QUBES }, ago(20 * 60_000));

  await finish();
  // A poison job, as the worker's dead-letter use case stores it.
  await new DeadLetterRepository().insert(db.pool, { queue: 'snapshots', snapshotId: randomUUID(), reason: 'schema: snapshot.collectedAt: Invalid ISO datetime', payload: { garbage: true } });
  return { now, hostIds, hostnames: Object.keys(hostIds).sort() };
}
