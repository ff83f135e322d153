import type { CommandRunner, Capture } from './command-runner';
import { chooseXlDmesg } from './dmesg-cache';
import type { HostFiles } from './host-files';
import { redactDmidecode } from './redact';
import { collectAcpi, collectDmi, collectHypervisor, collectPciSysfs } from './sysfs';
import type { Collection, CollectorRun, EvidenceBundle } from './types';

export interface LiveCollectOptions {
  runner: CommandRunner;
  files: HostFiles;
  /** Per-command timeout. */
  timeoutMs: number;
  /** For the per-boot `xl dmesg` cache; no cache when absent (e.g. `capture` with no state dir). */
  stateDir?: string;
}

export interface LiveCollection {
  bundle: EvidenceBundle;
  collection: Collection;
  bootId?: string;
}

/** Text files read from /proc (evidence-directory names on the left). */
const PROC_FILES: [string, string][] = [
  ['cpuinfo.txt', '/proc/cpuinfo'],
  ['cmdline.txt', '/proc/cmdline'],
  ['xen-capabilities.txt', '/proc/xen/capabilities'],
];

/**
 * Domain names from `xl list` (header, then `Name ID Mem VCPUs State Time(s)`), without Domain-0.
 * Names are the columns before the last five, so a line that does not have six columns is skipped.
 */
export function parseXlListNames(text: string): string[] {
  const names: string[] = [];
  for (const line of text.split('\n').slice(1)) {
    const cols = line.trim().split(/\s+/);
    if (cols.length < 6 || !/^\d+$/.test(cols[cols.length - 5]!)) continue;
    const name = cols.slice(0, -5).join(' ');
    if (cols[cols.length - 5] !== '0' && name !== 'Domain-0') names.push(name);
  }
  return names;
}

/** A domain name as a file name in `xl-pci-list/`. */
export const domainFileName = (name: string) => name.replace(/[^A-Za-z0-9_.@+-]/g, '_');

function commandRun(name: string, c: Capture): CollectorRun {
  return {
    name,
    kind: 'command',
    target: [c.command, ...c.args].join(' '),
    outcome: c.outcome,
    exitCode: c.exitCode,
    durationMs: c.durationMs,
    ...(c.error ? { error: c.error + (c.stderr.trim() ? `: ${c.stderr.trim().slice(0, 500)}` : '') } : {}),
  };
}

/**
 * Read the live host into an evidence bundle. Every collector is independent: a missing tool, a missing
 * file, a timeout or a permission error becomes a {@link CollectorRun} with that outcome and no evidence.
 * A command's output is kept when it exited non-zero but printed something (partial evidence is still evidence).
 */
export async function collectLive(opts: LiveCollectOptions): Promise<LiveCollection> {
  const { runner, files, timeoutMs } = opts;
  const bundle: EvidenceBundle = {};
  const runs: CollectorRun[] = [];
  const notes: string[] = [];

  const boot = await files.readText('/proc/sys/kernel/random/boot_id');
  const bootId = boot.ok ? boot.value.trim() || undefined : undefined;

  const command = async (key: string | undefined, name: string, cmd: string, args: string[]) => {
    const c = await runner.run(cmd, args, timeoutMs);
    runs.push(commandRun(name, c));
    if (key && (c.outcome === 'ok' || (c.outcome === 'exit-nonzero' && c.stdout.trim() !== ''))) bundle[key] = c.stdout;
    return c;
  };

  await command('xl-info.txt', 'xl-info.txt', 'xl', ['info']);
  const dmesg = await command(undefined, 'xl-dmesg.txt', 'xl', ['dmesg']);
  if (dmesg.outcome === 'ok' && opts.stateDir) {
    const choice = await chooseXlDmesg(opts.stateDir, bootId, dmesg.stdout);
    bundle['xl-dmesg.txt'] = choice.text;
    if (choice.source === 'cache') runs[runs.length - 1]!.detail = 'used the copy cached earlier in this boot';
    if (choice.note) notes.push(choice.note);
  } else if (dmesg.outcome === 'ok') bundle['xl-dmesg.txt'] = dmesg.stdout;
  await command('lspci-vv.txt', 'lspci-vv.txt', 'lspci', ['-nnvv']);
  await command('dmesg.txt', 'dmesg.txt', 'dmesg', []);
  await command('xl-pci-assignable-list.txt', 'xl-pci-assignable-list.txt', 'xl', ['pci-assignable-list']);
  const list = await command(undefined, 'xl-list', 'xl', ['list']);
  if (list.outcome === 'ok') {
    for (const dom of parseXlListNames(list.stdout)) {
      await command(`xl-pci-list/${domainFileName(dom)}.txt`, `xl-pci-list/${domainFileName(dom)}.txt`, 'xl', ['pci-list', dom]);
    }
  }

  for (const [key, hostPath] of PROC_FILES) {
    const r = await files.readText(hostPath);
    if (r.ok) bundle[key] = r.value;
    runs.push({ name: key, kind: 'file', target: hostPath, outcome: r.ok ? 'ok' : r.reason, ...(r.ok || r.reason === 'missing' ? {} : { error: r.error }) });
  }
  await collectHypervisor(files, bundle, runs);
  const dmiFields = await collectDmi(files, bundle, runs);
  if (dmiFields === 0) {
    const dd = await command(undefined, 'dmidecode.txt', 'dmidecode', []);
    if (dd.outcome === 'ok') bundle['dmidecode.txt'] = redactDmidecode(dd.stdout);
  } else {
    runs.push({ name: 'dmidecode.txt', kind: 'command', target: 'dmidecode', outcome: 'skipped', detail: 'dmi/ was readable' });
  }
  await collectAcpi(files, bundle, runs);
  await collectPciSysfs(files, bundle, runs);

  return { bundle, collection: { mode: 'live', runs, notes }, ...(bootId ? { bootId } : {}) };
}

/** Host identity files: hostname from the OS, machine id from /etc/machine-id (read through the sysroot). */
export async function readMachineId(files: HostFiles): Promise<string | undefined> {
  const r = await files.readText('/etc/machine-id');
  const id = r.ok ? r.value.trim() : '';
  return id || undefined;
}
