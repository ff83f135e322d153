import { randomUUID } from 'node:crypto';
import { SnapshotSchema, type Snapshot } from '../../../../libs/contracts/src';
import { AGENT_VERSION } from '../version';

/** A minimal valid snapshot for spool and sender tests (they move snapshots; they do not read facts). */
export function testSnapshot(n: number, base = Date.parse('2026-01-01T00:00:00Z')): Snapshot {
  return SnapshotSchema.parse({
    schemaVersion: 1,
    snapshotId: randomUUID(),
    collectedAt: new Date(base + n * 1000).toISOString(),
    bootId: 'boot-1',
    agent: { version: AGENT_VERSION },
    host: { hostname: 'dom0-test', machineId: 'machine-test', labels: { n: String(n) } },
    facts: {},
    evidence: { 'xl-info.txt': `host : dom0-test\nrun : ${n}\n` },
  });
}
