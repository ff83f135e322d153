import { describe, expect, it } from '@jest/globals';
import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ChildProcessRunner } from './command-runner';
import { RootedHostFiles } from './host-files';
import { collectLive, parseXlListNames } from './live-collector';

const FIXTURES = path.resolve('test/fixtures/evidence-dirs');
const APU2_DMESG = path.join(FIXTURES, 'amd-apu2-no-iommu/xl-dmesg.txt');
const XL_INFO = path.join(FIXTURES, 'intel-vtd-sriov/xl-info.txt');

async function write(root: string, rel: string, data: string | Uint8Array, mode?: number) {
  const file = path.join(root, rel);
  await fs.mkdir(path.dirname(file), { recursive: true });
  await fs.writeFile(file, data, mode === undefined ? undefined : { mode });
}

/** A fake host: sysroot tree with /sys, /proc, /etc, and a bin dir with shell scripts standing in for xl. */
async function fakeHost(opts: { dmesgFile: string; dmesgSleep?: number; dmi?: boolean; tools?: Record<string, string> }) {
  const base = await fs.mkdtemp(path.join(os.tmpdir(), 'virtcap-host-'));
  const root = path.join(base, 'root');
  const bin = path.join(base, 'bin');
  const state = path.join(base, 'state');
  await write(root, 'proc/sys/kernel/random/boot_id', '6c1e-boot-1\n');
  await write(root, 'proc/cpuinfo', 'processor\t: 0\nflags\t\t: fpu lm hypervisor\n');
  await write(root, 'proc/cmdline', 'placeholder root=/dev/xvda1\n');
  await write(root, 'proc/xen/capabilities', 'control_d\n');
  await write(root, 'sys/hypervisor/type', 'xen\n');
  await write(root, 'sys/hypervisor/guest_type', 'PV\n');
  await write(root, 'sys/hypervisor/properties/capabilities', 'xen-3.0-x86_64 hvm-3.0-x86_64\n');
  await write(root, 'etc/machine-id', '0123456789abcdef0123456789abcdef\n');
  if (opts.dmi !== false) {
    await write(root, 'sys/class/dmi/id/bios_vendor', 'American Megatrends Inc.\n');
    await write(root, 'sys/class/dmi/id/bios_version', '2.1\n');
    await write(root, 'sys/class/dmi/id/product_serial', 'S123456789\n');
    await write(root, 'sys/class/dmi/id/board_serial', 'unreadable', 0o000);
  }
  await write(root, 'sys/firmware/acpi/tables/RMAD', await fs.readFile(path.join(FIXTURES, 'intel-vtd-sriov/acpi/RMAD')));
  await write(root, 'sys/bus/pci/devices/0000:03:00.0/sriov_totalvfs', '8\n');
  await write(root, 'sys/bus/pci/devices/0000:03:00.0/sriov_numvfs', '2\n');
  await write(root, 'sys/bus/pci/devices/0000:03:00.0/reset_method', 'flr bus\n');
  await write(root, 'sys/bus/pci/devices/0000:03:00.0/reset', '', 0o200);
  await write(root, 'sys/bus/pci/devices/0000:00:1f.0/vendor', '0x8086\n');
  const xl = `#!/bin/sh
case "$1" in
  info) /bin/cat '${XL_INFO}' ;;
  dmesg) ${opts.dmesgSleep ? `/bin/sleep ${opts.dmesgSleep}` : `/bin/cat '${opts.dmesgFile}'`} ;;
  list) printf 'Name                                        ID   Mem VCPUs\\tState\\tTime(s)\\nDomain-0                                     0  1024     2     r-----      12.5\\nweb 1                                        3   512     1     -b----       1.0\\n' ;;
  pci-list) printf 'Vdev Device\\n04.0 0000:03:00.2\\n' ;;
  pci-assignable-list) printf '0000:03:00.2 \\n' ;;
  *) exit 1 ;;
esac
`;
  await write(bin, 'xl', xl, 0o755);
  for (const [name, script] of Object.entries(opts.tools ?? {})) await write(bin, name, script, 0o755);
  return { root, bin, state };
}

describe('collectLive', () => {
  it('reads every source through the runner and the sysroot; a missing tool is "no evidence"', async () => {
    const host = await fakeHost({ dmesgFile: APU2_DMESG });
    const { bundle, collection, bootId } = await collectLive({
      runner: new ChildProcessRunner({ path: host.bin }),
      files: new RootedHostFiles(host.root),
      timeoutMs: 5000,
      stateDir: host.state,
    });
    expect(bootId).toBe('6c1e-boot-1');
    expect(bundle['xl-info.txt']).toBe(await fs.readFile(XL_INFO, 'utf8'));
    expect(bundle['xl-dmesg.txt']).toBe(await fs.readFile(APU2_DMESG, 'utf8'));
    expect(bundle['xl-pci-assignable-list.txt']).toBe('0000:03:00.2 \n');
    expect(bundle['xl-pci-list/web_1.txt']).toBe('Vdev Device\n04.0 0000:03:00.2\n');
    expect(bundle['xen-capabilities.txt']).toBe('control_d\n');
    expect(bundle['hypervisor/properties/capabilities']).toBe('xen-3.0-x86_64 hvm-3.0-x86_64\n');
    expect(bundle['dmi/bios_version']).toBe('2.1\n');
    expect(bundle['dmi/product_serial']).toBe('sha256:' + createHash('sha256').update('S123456789').digest('hex'));
    expect(Buffer.from(bundle['acpi/RMAD'] as Uint8Array).subarray(0, 4).toString()).toBe('RMAD');
    expect(bundle['sysfs/pci/0000:03:00.0/sriov_totalvfs']).toBe('8\n');
    expect(bundle['sysfs/pci/0000:03:00.0/reset_method']).toBe('flr bus\n');
    expect(bundle['sysfs/pci/0000:03:00.0/reset']).toBe('');
    expect(bundle['lspci-vv.txt']).toBeUndefined();
    expect(bundle['dmesg.txt']).toBeUndefined();
    const byName = Object.fromEntries(collection.runs.map((r) => [r.name, r]));
    expect(byName['lspci-vv.txt']).toMatchObject({ kind: 'command', target: 'lspci -nnvv', outcome: 'not-found' });
    expect(byName['xl-info.txt']).toMatchObject({ outcome: 'ok', exitCode: 0 });
    expect(byName['acpi/DMAR']).toMatchObject({ outcome: 'missing' });
    expect(byName['acpi/RMAD']).toMatchObject({ outcome: 'ok' });
    expect(byName['dmidecode.txt']).toMatchObject({ outcome: 'skipped' });
    expect(byName['sysfs/pci/']).toMatchObject({ outcome: 'ok', detail: '2 devices, 4 files' });
    expect(Object.keys(bundle).some((k) => k.startsWith('acpi/') && k !== 'acpi/RMAD')).toBe(false);
  });

  it('a command that sleeps past the timeout is killed and recorded as "timeout"; the other collectors still run', async () => {
    const host = await fakeHost({ dmesgFile: APU2_DMESG, dmesgSleep: 30 });
    const started = Date.now();
    const { bundle, collection } = await collectLive({
      runner: new ChildProcessRunner({ path: host.bin }),
      files: new RootedHostFiles(host.root),
      timeoutMs: 400,
      stateDir: host.state,
    });
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(collection.runs.find((r) => r.name === 'xl-dmesg.txt')).toMatchObject({ outcome: 'timeout', error: 'timeout after 400 ms (killed)' });
    expect(bundle['xl-dmesg.txt']).toBeUndefined();
    expect(bundle['xl-info.txt']).toBeDefined();
    expect(bundle['acpi/RMAD']).toBeDefined();
  });

  it('uses the xl dmesg cached earlier in this boot when the ring buffer has since wrapped', async () => {
    const host = await fakeHost({ dmesgFile: APU2_DMESG });
    const opts = { runner: new ChildProcessRunner({ path: host.bin }), files: new RootedHostFiles(host.root), timeoutMs: 5000, stateDir: host.state };
    const full = await fs.readFile(APU2_DMESG, 'utf8');
    await collectLive(opts);
    expect(await fs.readFile(path.join(host.state, 'xl-dmesg/6c1e-boot-1.txt'), 'utf8')).toBe(full);
    // The ring wrapped: only the last lines remain, without the "Xen version" banner.
    const wrapped = full.split('\n').slice(-15).join('\n');
    expect(wrapped).not.toContain('Xen version ');
    const wrappedFile = path.join(path.dirname(host.root), 'wrapped-dmesg.txt');
    await fs.writeFile(wrappedFile, wrapped);
    const host2Xl = (await fs.readFile(path.join(host.bin, 'xl'), 'utf8')).replace(`'${APU2_DMESG}'`, `'${wrappedFile}'`);
    await fs.writeFile(path.join(host.bin, 'xl'), host2Xl);
    {
      const second = await collectLive(opts);
      expect(second.bundle['xl-dmesg.txt']).toBe(full);
      expect(second.collection.notes).toContain('xl dmesg ring buffer has wrapped; using the copy cached earlier in this boot');
      // A new boot does not use the old boot's copy.
      await fs.writeFile(path.join(host.root, 'proc/sys/kernel/random/boot_id'), 'boot-2\n');
      const third = await collectLive(opts);
      expect(third.bundle['xl-dmesg.txt']).toBe(wrapped);
    }
  });

  it('falls back to dmidecode (serials hashed) only when dmi/ is unreadable', async () => {
    const dmidecode = path.join(FIXTURES, 'intel-vtd-sriov/dmidecode.txt');
    const host = await fakeHost({ dmesgFile: APU2_DMESG, dmi: false, tools: { dmidecode: `#!/bin/sh\n/bin/cat '${dmidecode}'\n` } });
    const { bundle, collection } = await collectLive({ runner: new ChildProcessRunner({ path: host.bin }), files: new RootedHostFiles(host.root), timeoutMs: 5000 });
    const text = bundle['dmidecode.txt'] as string;
    const original = await fs.readFile(dmidecode, 'utf8');
    expect(text.split('\n')).toHaveLength(original.split('\n').length);
    const serialLines = text.split('\n').filter((l) => /^\s*(Serial Number|UUID):/.test(l));
    expect(serialLines.length).toBeGreaterThan(0);
    for (const l of serialLines) expect(l).toMatch(/: sha256:[0-9a-f]{64}$/);
    expect(text).toContain('Manufacturer: Supermicro');
    expect(collection.runs.find((r) => r.name === 'dmi/')).toMatchObject({ outcome: 'missing' });
    expect(collection.runs.find((r) => r.name === 'dmidecode.txt')).toMatchObject({ outcome: 'ok' });
  });
});

describe(parseXlListNames.name, () => {
  it.each([
    ['header and dom0 only', 'Name ID Mem VCPUs State Time(s)\nDomain-0 0 1024 2 r----- 5.0\n', []],
    ['guests, one with a space in its name', 'Name ID Mem VCPUs State Time(s)\nDomain-0 0 1024 2 r----- 5.0\nvm-a 1 512 1 -b---- 1.0\nweb 1 3 512 1 -b---- 1.0\n', ['vm-a', 'web 1']],
    ['garbage', 'xl: command failed\n', []],
  ])('%s', (_n, text, names) => {
    expect(parseXlListNames(text)).toEqual(names);
  });
});
