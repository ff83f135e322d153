import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { execFile, execFileSync, spawn } from 'node:child_process';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { SnapshotSchema, type Snapshot } from '../../../libs/contracts/src';
import { ScriptedServer } from './testing/scripted-server';

// The real artefact: tools/build-agent.mjs output, copied alone into an empty folder and run with `node`.
const FIXTURES = path.resolve('test/fixtures/evidence-dirs');
let dir: string;
let agent: string;

function run(args: string[], opts: { timeout?: number } = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [agent, ...args], { cwd: dir, timeout: opts.timeout ?? 30_000, maxBuffer: 64 * 1024 * 1024 }, (err, stdout, stderr) => {
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}

beforeAll(async () => {
  execFileSync(process.execPath, ['tools/build-agent.mjs'], { stdio: 'pipe' });
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'virtcap-bundle-'));
  agent = path.join(dir, 'virtcap-agent.cjs');
  await fs.copyFile('dist/agent/virtcap-agent.cjs', agent);
}, 60_000);

const servers: ScriptedServer[] = [];
afterAll(async () => {
  await Promise.all(servers.map((s) => s.close()));
});

async function dryRun(fixture: string): Promise<Snapshot> {
  const r = await run(['collect', '--evidence-dir', path.join(FIXTURES, fixture), '--dry-run', '--hostname', 'dom0-a', '--machine-id', 'm-1']);
  expect(r.stderr).toBe('');
  expect(r.code).toBe(0);
  return SnapshotSchema.parse(JSON.parse(r.stdout));
}

describe('dist/agent/virtcap-agent.cjs, alone in an empty folder', () => {
  it('is a single file with a node shebang that prints help for every command', async () => {
    expect(await fs.readdir(dir)).toEqual(['virtcap-agent.cjs']);
    expect((await fs.readFile(agent, 'utf8')).startsWith('#!/usr/bin/env node\n')).toBe(true);
    const main = await run(['--help']);
    expect(main.code).toBe(0);
    for (const c of ['collect', 'enroll', 'run', 'capture']) {
      expect(main.stdout).toContain(`  ${c}`);
      const h = await run([c, '--help']);
      expect([h.code, h.stdout.startsWith(`Usage: virtcap-agent ${c}`)]).toEqual([0, true]);
    }
    const bad = await run(['collect', '--no-such-flag']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('unknown option --no-such-flag');
  });

  it('intel-vtd-sriov: VT-d on, DMAR found as RMAD and healthy, SR-IOV NIC ready; raw evidence kept for re-parsing', async () => {
    const s = await dryRun('intel-vtd-sriov');
    expect(s.host).toEqual({ hostname: 'dom0-a', machineId: 'm-1', labels: {} });
    expect(s.verdicts?.hvm).toMatchObject({ status: 'yes', vendor: 'intel' });
    expect(s.verdicts?.iommu).toMatchObject({ status: 'yes', kind: 'vt-d' });
    expect(s.verdicts?.acpiDmar).toMatchObject({ status: 'ok', signature: 'RMAD' });
    expect(s.verdicts?.sriov.status).toBe('ready');
    expect(s.verdicts?.sriov.devices.map((d) => d.totalVfs)).toEqual([8]);
    const rmad = await fs.readFile(path.join(FIXTURES, 'intel-vtd-sriov/acpi/RMAD'));
    expect(s.evidence?.['acpi/RMAD']).toBe(`base64:${rmad.toString('base64')}`);
    expect(s.evidence?.['xl-info.txt']).toBe(await fs.readFile(path.join(FIXTURES, 'intel-vtd-sriov/xl-info.txt'), 'utf8'));
    expect(Object.keys(s.evidence ?? {}).sort()).toEqual(['acpi/RMAD', 'dmidecode.txt', 'lspci-vv.txt', 'xl-dmesg.txt', 'xl-info.txt']);
    expect(s.facts.collection).toMatchObject({ mode: 'evidence-dir', skipped: [] });
  });

  it('amd-broken-ivrs: the IVRS without a southbridge IO-APIC is broken', async () => {
    const s = await dryRun('amd-broken-ivrs');
    expect(s.verdicts?.hvm).toMatchObject({ status: 'yes', vendor: 'amd' });
    expect(s.verdicts?.acpiIvrs.status).toBe('broken');
    expect(s.verdicts?.acpiIvrs.findings.length).toBeGreaterThan(0);
    expect(s.verdicts?.acpiDmar.status).toBe('absent');
  });

  it('amd-apu2-no-iommu: "I/O virtualisation disabled" is never an IOMMU', async () => {
    const s = await dryRun('amd-apu2-no-iommu');
    expect(s.verdicts?.hvm).toMatchObject({ status: 'yes', vendor: 'amd' });
    expect(['no', 'disabled-by-firmware']).toContain(s.verdicts?.iommu.status);
    expect(s.verdicts?.passthrough.status).toBe('no');
    expect(s.verdicts?.sriov.status).toBe('unknown'); // no PCI evidence at all: unknown, not "none"
  });

  it('intel-laptop-no-iommu-partial: a filtered xl info without hvm_directio; what was not captured stays unknown', async () => {
    const s = await dryRun('intel-laptop-no-iommu-partial');
    expect(s.verdicts?.hvm.status).toBe('yes');
    expect(s.verdicts?.iommu.status).not.toBe('yes');
    expect([s.verdicts?.sriov.status, s.verdicts?.acpiDmar.status, s.verdicts?.acpiIvrs.status]).toEqual(['unknown', 'unknown', 'unknown']);
  });

  it('--format text prints one PASS/WARN/FAIL/UNKNOWN line per capability with the reason', async () => {
    const r = await run(['collect', '--evidence-dir', path.join(FIXTURES, 'amd-broken-ivrs'), '--dry-run', '--format', 'text', '--hostname', 'dom0-b']);
    expect(r.code).toBe(0);
    const lines = r.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^virtcap-agent \d+\.\d+\.\d+: dom0-b /);
    expect(lines).toHaveLength(9);
    for (const l of lines.slice(1)) expect(l).toMatch(/^ {2}\S.* : (PASS|WARN|FAIL|UNKNOWN) +\S+.*: \S/);
    expect(lines.find((l) => l.includes('ACPI IVRS table'))).toMatch(/: FAIL +broken: .*ivrs_ioapic/);
  });

  it('enroll stores the token with mode 0600; run --once sends a gzip snapshot with it', async () => {
    const stateDir = await fs.mkdtemp(path.join(os.tmpdir(), 'virtcap-state-'));
    const server = await new ScriptedServer((req) =>
      req.url === '/v1/enroll'
        ? (req.json as { enrollSecret?: string }).enrollSecret === 'fleet-secret'
          ? { status: 201, body: { hostId: 'host-42', token: 'tok-42' } }
          : { status: 401, body: { error: 'UNAUTHORIZED', message: 'wrong secret' } }
        : { status: 202, body: { snapshotId: (req.json as { snapshotId: string }).snapshotId, status: 'queued' } },
    ).start();
    servers.push(server);
    const common = ['--server', server.url, '--state-dir', stateDir, '--hostname', 'dom0-c', '--machine-id', 'm-3'];
    const wrong = await run(['enroll', '--secret', 'nope', ...common]);
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toContain('wrong enroll secret');
    const ok = await run(['enroll', '--secret', 'fleet-secret', '--labels', 'dc=fra1,rack=r7', ...common]);
    expect(ok.code).toBe(0);
    expect(server.requests[1]!.json).toEqual({ enrollSecret: 'fleet-secret', hostname: 'dom0-c', machineId: 'm-3', labels: { dc: 'fra1', rack: 'r7' } });
    const tokenFile = path.join(stateDir, 'token.json');
    expect((await fs.stat(tokenFile)).mode & 0o777).toBe(0o600);
    expect(JSON.parse(await fs.readFile(tokenFile, 'utf8'))).toMatchObject({ hostId: 'host-42', token: 'tok-42', server: server.url });

    const once = await run(['run', '--once', '--evidence-dir', path.join(FIXTURES, 'intel-vtd-sriov'), '--labels', 'dc=fra1', ...common]);
    expect(once.code).toBe(0);
    const post = server.requests[2]!;
    expect([post.url, post.headers.authorization, post.headers['content-encoding']]).toEqual(['/v1/snapshots', 'Bearer tok-42', 'gzip']);
    const sent = SnapshotSchema.parse(post.json);
    expect(sent.host).toEqual({ hostname: 'dom0-c', machineId: 'm-3', labels: { dc: 'fra1' } });
    expect(await fs.readdir(path.join(stateDir, 'spool'))).toEqual([]);
  });

  it('run --interval: reports at once, then SIGTERM stops it cleanly', async () => {
    const stateDir = await fs.mkdtemp(path.join(os.tmpdir(), 'virtcap-state-'));
    const server = await new ScriptedServer(() => ({ status: 202, body: { status: 'queued' } })).start();
    servers.push(server);
    await fs.writeFile(path.join(stateDir, 'token.json'), JSON.stringify({ hostId: 'h', token: 't', server: server.url, enrolledAt: 'x' }), { mode: 0o600 });
    const child = spawn(process.execPath, [agent, 'run', '--interval', '1h', '--jitter', '10m', '--state-dir', stateDir, '--machine-id', 'm', '--evidence-dir', path.join(FIXTURES, 'amd-apu2-no-iommu')], { cwd: dir });
    let stderr = '';
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    for (let i = 0; i < 200 && server.accepted.length === 0; i++) await new Promise((r) => setTimeout(r, 50));
    expect(server.accepted).toHaveLength(1);
    const t0 = Date.now();
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(Date.now() - t0).toBeLessThan(3000);
    expect(stderr).toContain('SIGTERM received, stopping');
    expect(stderr).toContain('stopped');
  });
});
