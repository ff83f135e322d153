import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { randomBytes } from 'node:crypto';
import { cpSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync, writeSync, closeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SnapshotSchema } from '../../libs/contracts/src';
import { AGENT, execFileP } from '../e2e/stack';

// The real agent bundle on evidence directories with garbage in them: binary noise, a 100 MB file,
// truncated files. It must exit 0 with a valid snapshot, and the garbage must not change facts that come
// from the other (intact) files.
const FIXTURE = 'test/fixtures/evidence-dirs/intel-vtd-sriov';
let root: string;

// eslint-disable-next-line @typescript-eslint/no-explicit-any
async function collect(dir: string): Promise<any> {
  const { stdout } = await execFileP(process.execPath, [AGENT, 'collect', '--evidence-dir', dir, '--dry-run', '--hostname', 'garbage-test', '--machine-id', 'm-garbage'], { maxBuffer: 64 * 1024 * 1024 });
  const snap = JSON.parse(stdout);
  expect(SnapshotSchema.safeParse(snap).success).toBe(true); // what the API would accept (no NUL, bounded)
  return snap;
}
function variant(name: string, edit: (dir: string) => void): string {
  const dir = join(root, name);
  cpSync(FIXTURE, dir, { recursive: true });
  edit(dir);
  return dir;
}

let base: any; // eslint-disable-line @typescript-eslint/no-explicit-any
beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'virtcap-garbage-'));
  base = await collect(variant('base', () => undefined));
});
afterAll(() => {
  if (root) rmSync(root, { recursive: true, force: true });
});

describe('agent: garbage evidence never crashes it or leaks into other facts', () => {
  it('binary garbage (with NUL bytes) in xl-info.txt and lspci-vv.txt: exit 0, no NUL anywhere, firmware and DMAR facts unchanged', async () => {
    const dir = variant('garbage', (d) => {
      const noise = Buffer.concat([randomBytes(200_000), Buffer.alloc(64, 0)]);
      writeFileSync(join(d, 'xl-info.txt'), noise);
      writeFileSync(join(d, 'lspci-vv.txt'), randomBytes(100_000));
    });
    const snap = await collect(dir);
    expect(JSON.stringify(snap)).not.toContain('\\u0000');
    expect(snap.evidence['xl-info.txt']).toContain('\ufffd'); // the NULs became U+FFFD, the rest is kept
    expect(snap.facts.firmware).toEqual(base.facts.firmware); // dmidecode.txt is intact
    expect(snap.facts.acpi).toEqual(base.facts.acpi); // acpi/RMAD is intact
    expect(snap.facts.xenLog).toEqual(base.facts.xenLog); // xl-dmesg.txt is intact
    expect(snap.facts.pci.devices).toEqual([]); // noise is not a device
    expect(snap.verdicts.sriov.status).toBe('none');
  });

  it('binary garbage as the ACPI table: exit 0, other facts unchanged (the DMAR verdict on noise is logged: see docs/reliability.md)', async () => {
    const dir = variant('acpi-garbage', (d) => writeFileSync(join(d, 'acpi/RMAD'), randomBytes(5000)));
    const snap = await collect(dir);
    expect(snap.facts.firmware).toEqual(base.facts.firmware);
    expect(snap.facts.pci).toEqual(base.facts.pci);
    expect(snap.facts.xlInfo).toEqual(base.facts.xlInfo);
    expect(snap.verdicts.hvm).toEqual(base.verdicts.hvm);
    console.log(`agent: 5000 random bytes as acpi/RMAD → acpiDmar ${snap.verdicts.acpiDmar.status}, findings ${JSON.stringify(snap.facts.acpi?.dmar?.findings ?? null)}`);
  });

  it('a 100 MB xl-dmesg.txt: exit 0, parsed but not shipped (a note says so), other facts unchanged', async () => {
    const dir = variant('big', (d) => {
      const chunk = readFileSync(join(FIXTURE, 'lspci-vv.txt'));
      const fd = openSync(join(d, 'xl-dmesg.txt'), 'w');
      for (let n = 0; n < 100 * 1024 * 1024; n += chunk.length) writeSync(fd, chunk);
      closeSync(fd);
    });
    const snap = await collect(dir);
    expect(snap.evidence['xl-dmesg.txt']).toBeUndefined();
    expect(snap.facts.collection.skipped).toEqual([expect.stringMatching(/^xl-dmesg.txt: \d{9} bytes is over the 1048576-byte limit/)]);
    expect(snap.facts.xenLog.complete).toBe(false); // lspci text is not a Xen log
    expect(snap.facts.firmware).toEqual(base.facts.firmware);
    expect(snap.facts.pci).toEqual(base.facts.pci);
    expect(snap.facts.acpi).toEqual(base.facts.acpi);
    expect(snap.facts.xlInfo).toEqual(base.facts.xlInfo);
  });

  it('truncated files: exit 0; a truncated DMAR table is reported broken, the rest unchanged', async () => {
    const dir = variant('trunc', (d) => {
      for (const [f, n] of [['acpi/RMAD', 100], ['xl-info.txt', 1000], ['dmidecode.txt', 1500]] as const) {
        writeFileSync(join(d, f), readFileSync(join(FIXTURE, f)).subarray(0, n));
      }
    });
    const snap = await collect(dir);
    expect(snap.verdicts.acpiDmar.status).toBe('broken');
    expect(snap.facts.acpi.dmar.findings.map((f: { code: string }) => f.code)).toContain('DMAR_TRUNCATED');
    expect(snap.facts.pci).toEqual(base.facts.pci);
    expect(snap.facts.xenLog).toEqual(base.facts.xenLog);
  });
});
