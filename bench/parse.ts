/**
 * Parser throughput benchmark: `npm run bench:parse` (→ `node dist/bench/parse.js [--seconds=N]`), run from the
 * project root. For each parser it takes the largest fixture of its format (test/fixtures/<format>), repeats it to
 * ~1 MB where the format allows, runs the parser for a fixed time and prints MB/s next to a baseline measured in
 * the same run on the same bytes (`Buffer#toString('utf8')` + `split('\n')`), and the ratio parser/baseline.
 * Record-shaped parsers (sysfs, /sys/class/dmi/id files) are reported in calls/s.
 */
import { readdirSync, readFileSync, statSync } from 'fs';
import { cpus } from 'os';
import { join } from 'path';
import { parseCpuinfo } from '../libs/evidence/src/cpuinfo';
import { parseDmiFiles, parseDmidecode } from '../libs/evidence/src/dmi';
import { parseLspci } from '../libs/evidence/src/lspci';
import { parseHypervisor, parseSysfsPci } from '../libs/evidence/src/sysfs';
import { parsePciAssignableList } from '../libs/evidence/src/xl-pci';
import * as acpi from '../libs/evidence/src/acpi';
import { parseLinuxDmesg } from '../libs/evidence/src/linux-dmesg';
import { parseXlDmesg } from '../libs/evidence/src/xl-dmesg';
import { parseXlInfo } from '../libs/evidence/src/xl-info';

const TARGET = 1024 * 1024;
const seconds = Number(process.argv.find((a) => a.startsWith('--seconds='))?.slice(10) ?? '1') || 1;
const fixtures = join(process.cwd(), 'test/fixtures');

interface Case {
  name: string;
  input: string;
  bytes: Buffer;
  run: (text: string, bytes: Buffer) => unknown;
  /** Parser takes bytes, not text (ACPI tables): do not decode first. */
  binary?: boolean;
}

function largest(format: string, suffix = ''): { file: string; text: string } | undefined {
  const dir = join(fixtures, format);
  let files: string[];
  try {
    files = readdirSync(dir).filter((f) => !f.endsWith('.source.txt') && f.endsWith(suffix));
  } catch {
    return undefined; // that format's fixtures are not there (yet): skip its parser
  }
  files.sort((a, b) => statSync(join(dir, b)).size - statSync(join(dir, a)).size);
  return files[0] ? { file: `${format}/${files[0]}`, text: readFileSync(join(dir, files[0]), 'utf8') } : undefined;
}

const toMb = (text: string, repeat: boolean) => (repeat ? (text + '\n').repeat(Math.max(1, Math.round(TARGET / (text.length + 1)))) : text);

function time(fn: () => unknown, bytes: number): number {
  const end = performance.now() + 150;
  while (performance.now() < end) fn(); // warm-up
  let n = 0;
  const start = performance.now();
  const stop = start + seconds * 1000;
  let now = start;
  while (now < stop) {
    fn();
    n++;
    now = performance.now();
  }
  return (bytes * n) / (1024 * 1024) / ((now - start) / 1000);
}

function main(): void {
  const cases: (Case & { file: string })[] = [];
  const add = (name: string, f: { file: string; text: string } | undefined, repeat: boolean, run: Case['run']) => {
    if (!f) return;
    const input = toMb(f.text, repeat);
    cases.push({ name, file: f.file + (repeat ? ' ×' + Math.round(input.length / (f.text.length + 1)) : ''), input, bytes: Buffer.from(input, 'utf8'), run });
  };
  add('parseLspci', largest('lspci'), true, (t) => parseLspci(t));
  add('parseDmidecode', largest('dmidecode'), true, (t) => parseDmidecode(t));
  add('parseCpuinfo', largest('cpuinfo', '.cpuinfo.txt'), true, (t) => parseCpuinfo(t));
  add('parsePciAssignableList', { file: '(synthetic 64 VFs)', text: Array.from({ length: 64 }, (_, i) => `0000:3b:${(2 + (i >> 3)).toString(16).padStart(2, '0')}.${i & 7} `).join('\n') }, true, (t) => parsePciAssignableList(t));

  add('parseXlInfo', largest('xl-info'), true, (t) => parseXlInfo(t));
  add('parseXlDmesg', largest('xl-dmesg'), true, (t) => parseXlDmesg(t));
  add('parseLinuxDmesg', largest('linux-dmesg'), true, (t) => parseLinuxDmesg(t));
  {
    const dmarText = largest('acpi', '.dmar.txt');
    const ivrsText = largest('acpi', '.ivrs.txt');
    add('tableFromIaslText (DMAR)', dmarText, false, (t) => acpi.tableFromIaslText(t));
    for (const [name, f, decode] of [['decodeDmar', dmarText, acpi.decodeDmar], ['decodeIvrs', ivrsText, acpi.decodeIvrs]] as const) {
      const table = f ? acpi.tableFromIaslText(f.text) : undefined;
      if (!f || !table) continue;
      const bytes = Buffer.from(table.bytes);
      cases.push({ name, file: `${f.file} (${bytes.length} table bytes)`, input: '', bytes, binary: true, run: (_t, b) => decode(b) });
    }
  }

  const rows: string[] = [];
  for (const c of cases) {
    const baseline = time(() => c.bytes.toString('utf8').split('\n'), c.bytes.length);
    const parser = time(() => (c.binary ? c.run('', c.bytes) : c.run(c.bytes.toString('utf8'), c.bytes)), c.bytes.length);
    rows.push(`| ${c.name} | ${c.file} | ${(c.bytes.length / 1024).toFixed(0)} KiB | ${parser.toFixed(1)} | ${baseline.toFixed(1)} | ${(parser / baseline).toFixed(3)} |`);
  }
  const records: string[] = [];
  const dmi = { bios_vendor: 'Dell Inc.\n', bios_version: '2.4.3\n', bios_date: '01/17/2017\n', bios_release: '2.4\n', board_vendor: 'Dell Inc.\n', board_name: '0WCJNT\n', sys_vendor: 'Dell Inc.\n', product_name: 'PowerEdge R730\n', chassis_type: '23\n' };
  const sysfs = Object.fromEntries(Array.from({ length: 32 }, (_, i) => [`0000:3b:00.${i & 7}/${['sriov_totalvfs', 'sriov_numvfs', 'reset_method', 'sriov_vf_device'][i >> 3]}`, i >> 3 === 2 ? 'flr bus\n' : '64\n']));
  const hyp = { type: 'xen\n', guest_type: 'PV\n', 'version/major': '4\n', 'version/minor': '17\n', 'properties/capabilities': 'xen-3.0-x86_64 hvm-3.0-x86_64\n' };
  for (const [name, fn] of [['parseDmiFiles (9 files)', () => parseDmiFiles(dmi)], ['parseSysfsPci (32 files)', () => parseSysfsPci(sysfs)], ['parseHypervisor (5 files)', () => parseHypervisor(hyp)]] as const) {
    const start = performance.now();
    let n = 0;
    while (performance.now() - start < seconds * 500) {
      fn();
      n++;
    }
    records.push(`| ${name} | ${Math.round(n / ((performance.now() - start) / 1000)).toLocaleString('en-US')} |`);
  }
  console.log(`node ${process.version}, ${cpus().length} CPUs (${cpus()[0]?.model ?? 'unknown'}), ${seconds}s per measurement\n`);
  console.log('| parser | input (largest fixture, repeated) | size | parser MB/s | baseline MB/s (toString+split) | ratio |');
  console.log('|---|---|---|---|---|---|');
  for (const r of rows) console.log(r);
  console.log('\n| record parser | calls/s |\n|---|---|');
  for (const r of records) console.log(r);
}

main();
