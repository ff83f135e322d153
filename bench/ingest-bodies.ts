import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { SnapshotInput } from '../libs/contracts/src';

/**
 * Realistic snapshot bodies for the ingest API's e2e tests and benchmark: the raw evidence of the
 * project's composite evidence directories (real captures from ../shared/corpus, provenance in each
 * `*.source.txt` and SOURCES.txt) carried in `evidence`, plus the firmware strings their dmidecode
 * captures report. Verdicts are left out (optional on the wire; the server recomputes them).
 */
export const EVIDENCE_DIRS = {
  /** Intel VT-d host with an SR-IOV NIC; ~33 KB as JSON (dmidecode is most of it). */
  'intel-vtd-sriov': {
    files: ['xl-info.txt', 'xl-dmesg.txt', 'lspci-vv.txt', 'dmidecode.txt'],
    binary: ['acpi/RMAD'],
    // From dmidecode.txt (BIOS Information / Base Board Information).
    firmware: { biosVendor: 'American Megatrends Inc.', biosVersion: '2.1', biosDate: '06/15/2018', boardVendor: 'Supermicro', boardName: 'X11DPL-i' },
  },
  /** AMD host whose IVRS table is broken; ~22 KB as JSON. */
  'amd-broken-ivrs': {
    files: ['xl-info.txt', 'dmesg.txt', 'dmidecode.txt'],
    binary: ['acpi/IVRS'],
    firmware: {},
  },
} as const;
export type EvidenceDirName = keyof typeof EVIDENCE_DIRS;

const cache = new Map<EvidenceDirName, Record<string, string>>();

/** The evidence map (`path → text` or `base64:<bytes>`) of one fixture directory, read once. */
export function evidenceOf(dir: EvidenceDirName, root = join(process.cwd(), 'test/fixtures/evidence-dirs')): Record<string, string> {
  let ev = cache.get(dir);
  if (!ev) {
    const spec = EVIDENCE_DIRS[dir];
    ev = {};
    for (const f of spec.files) ev[f] = readFileSync(join(root, dir, f), 'utf8');
    for (const f of spec.binary) ev[f] = 'base64:' + readFileSync(join(root, dir, f)).toString('base64');
    cache.set(dir, ev);
  }
  return ev;
}

/** A valid schema-v1 snapshot for `machineId`, with a fresh snapshotId and collectedAt = now, unless overridden. */
export function snapshotBody(
  machineId: string,
  opts: { dir?: EvidenceDirName; hostname?: string; snapshotId?: string; collectedAt?: string; labels?: Record<string, string> } = {},
): SnapshotInput {
  const dir = opts.dir ?? 'intel-vtd-sriov';
  return {
    schemaVersion: 1,
    snapshotId: opts.snapshotId ?? randomUUID(),
    collectedAt: opts.collectedAt ?? new Date().toISOString(),
    bootId: 'd2b1c0aa-3b3e-4f6e-9c1a-5b8f1e0c7a11',
    agent: { version: '0.1.0' },
    host: { hostname: opts.hostname ?? `host-${machineId.slice(0, 8)}`, machineId, labels: opts.labels ?? { datacenter: 'fra1' } },
    facts: { firmware: { ...EVIDENCE_DIRS[dir].firmware } },
    evidence: evidenceOf(dir),
  };
}
