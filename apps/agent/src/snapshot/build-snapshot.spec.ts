import { describe, expect, it } from '@jest/globals';
import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { SnapshotSchema } from '../../../../libs/contracts/src';
import { readEvidenceDir, writeEvidenceDir } from '../collect/evidence-dir';
import { buildSnapshot, encodeEvidence, MAX_EVIDENCE_FILE_BYTES } from './build-snapshot';
import { libsInterpreter } from './interpreter';
import { renderTextReport } from './text-report';

const FIXTURES = path.resolve('test/fixtures/evidence-dirs');
const host = { hostname: 'dom0', machineId: 'mid', labels: { dc: 'fra1' } };

describe('readEvidenceDir', () => {
  it('reads text as UTF-8 and acpi/<SIG> as bytes, ignoring SOURCES.txt and *.source.txt', async () => {
    const { bundle, collection } = await readEvidenceDir(path.join(FIXTURES, 'intel-vtd-sriov'));
    expect(Object.keys(bundle).sort()).toEqual(['acpi/RMAD', 'dmidecode.txt', 'lspci-vv.txt', 'xl-dmesg.txt', 'xl-info.txt']);
    expect(bundle['acpi/RMAD']).toBeInstanceOf(Uint8Array);
    expect((bundle['acpi/RMAD'] as Uint8Array).byteLength).toBe(344);
    expect(typeof bundle['xl-info.txt']).toBe('string');
    expect(collection.mode).toBe('evidence-dir');
    expect(collection.runs.every((r) => r.outcome === 'ok')).toBe(true);
  });

  it('a missing directory is an empty bundle with a note, not an exception', async () => {
    const r = await readEvidenceDir('/nonexistent/virtcap');
    expect(r.bundle).toEqual({});
    expect(r.collection.notes[0]).toMatch(/^evidence directory \/nonexistent\/virtcap not readable: ENOENT/);
  });

  it('capture layout round-trips: what writeEvidenceDir writes, readEvidenceDir reads back', async () => {
    const src = await readEvidenceDir(path.join(FIXTURES, 'intel-vtd-sriov'));
    const out = await fs.mkdtemp(path.join(os.tmpdir(), 'virtcap-capture-'));
    const extra = { 'sysfs/pci/0000:01:00.0/sriov_totalvfs': '8\n', 'xl-pci-list/web.txt': 'Vdev Device\n' };
    await writeEvidenceDir(out, { ...src.bundle, ...extra }, src.collection, 'boot-9');
    const back = await readEvidenceDir(out);
    expect(back.bundle).toEqual({ ...src.bundle, ...extra });
    expect(back.bootId).toBe('boot-9');
  });
});

describe(buildSnapshot.name, () => {
  it('builds a snapshot that passes SnapshotSchema, with facts from libs/evidence and verdicts from libs/verdicts', async () => {
    const { bundle, collection } = await readEvidenceDir(path.join(FIXTURES, 'intel-vtd-sriov'));
    const built = buildSnapshot({ bundle, collection, bootId: 'b1', host, interpreter: libsInterpreter, now: new Date('2026-03-01T10:00:00Z') });
    if (!built.ok) throw new Error(built.issues.join('; '));
    const s = built.snapshot;
    expect(SnapshotSchema.parse(JSON.parse(JSON.stringify(s)))).toEqual(s);
    expect([s.schemaVersion, s.bootId, s.collectedAt, s.agent.version]).toEqual([1, 'b1', '2026-03-01T10:00:00.000Z', '0.1.0']);
    expect(s.snapshotId).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(s.facts.firmware).toMatchObject({ boardVendor: 'Supermicro' });
    expect(s.verdicts?.acpiDmar.signature).toBe('RMAD');
  });

  it('hashes DMI serials found in an evidence directory before they leave the host', () => {
    const built = buildSnapshot({
      bundle: { 'dmi/product_serial': 'ABC123\n', 'dmi/bios_version': '1.2\n', 'dmi/product_uuid': 'sha256:already' },
      collection: { mode: 'evidence-dir', runs: [], notes: [] },
      host,
      interpreter: libsInterpreter,
    });
    if (!built.ok) throw new Error(built.issues.join('; '));
    expect(built.snapshot.evidence).toEqual({
      'dmi/bios_version': '1.2\n',
      'dmi/product_serial': 'sha256:' + createHash('sha256').update('ABC123').digest('hex'),
      'dmi/product_uuid': 'sha256:already',
    });
    expect(built.snapshot.bootId).toBe('unknown');
  });

  it('parses but does not ship a file over 1 MiB, and says so in facts.collection.skipped', () => {
    const big = '(XEN) filler line\n'.repeat(Math.ceil((MAX_EVIDENCE_FILE_BYTES + 10) / 18));
    const { evidence, skipped } = encodeEvidence({ 'xl-dmesg.txt': big, 'acpi/IVRS': new Uint8Array([1, 2, 3]) });
    expect(evidence).toEqual({ 'acpi/IVRS': 'base64:AQID' });
    expect(skipped).toEqual([`xl-dmesg.txt: ${big.length} bytes is over the 1048576-byte limit for raw evidence; parsed on the host, not sent`]);
    const built = buildSnapshot({ bundle: { 'xl-dmesg.txt': big }, collection: { mode: 'live', runs: [], notes: [] }, host, interpreter: libsInterpreter });
    expect(built.ok && (built.snapshot.facts.collection as { skipped: string[] }).skipped).toEqual(skipped);
  });

  it('a parser that throws becomes a note; the snapshot still carries the evidence', () => {
    const built = buildSnapshot({
      bundle: { 'xl-info.txt': 'xen_major : 4\n' },
      collection: { mode: 'live', runs: [], notes: [] },
      host,
      interpreter: {
        facts: () => {
          throw new Error('parser bug');
        },
        verdicts: libsInterpreter.verdicts,
      },
    });
    if (!built.ok) throw new Error(built.issues.join('; '));
    expect(built.snapshot.verdicts).toBeUndefined();
    expect((built.snapshot.facts.collection as { notes: string[] }).notes).toEqual(['facts not computed: parser bug']);
    expect(built.snapshot.evidence).toEqual({ 'xl-info.txt': 'xen_major : 4\n' });
  });

  it('renders the text report from the verdicts', async () => {
    const { bundle, collection } = await readEvidenceDir(path.join(FIXTURES, 'intel-vtd-sriov'));
    const built = buildSnapshot({ bundle, collection, bootId: 'b1', host, interpreter: libsInterpreter });
    if (!built.ok) throw new Error(built.issues.join('; '));
    const lines = renderTextReport(built.snapshot).trimEnd().split('\n');
    expect(lines.slice(1).map((l) => /: (PASS|WARN|FAIL|UNKNOWN) /.exec(l)?.[1])).toEqual(['PASS', 'PASS', 'PASS', 'PASS', 'PASS', 'PASS', 'PASS', 'PASS']);
  });
});
