import { splitLines } from '../common';
import { parseXenCommandline } from '../cmdline';
import { FindingCollector, lineRef } from '../xl-dmesg/evidence-line';
import { decodeHwCaps } from './hw-caps';
import { XlInfo, XlInfoField } from './xl-info.types';

const SOURCE = 'xl-info.txt';
/** `name : value` with any padding (`name: value`, `name :value`); names are lower-case identifiers. */
const FIELD = /^([a-z][a-z0-9_]{0,63})[ \t]*:/;
/** A wrapped `hw_caps` word (`bfebfbff:…`) looks like a field name; it is not one. */
const HEX_WORD = /^[0-9a-f]{8}$/;
/** Shell prompts and command echoes (`[root@h ~]# xm info`, `# xl info | egrep …`, `$ xl info`). */
const PROMPT = /^(?:\[[^\]]{0,128}\][#$]|[#$](?:\s|$))/;
const MAX_VALUE = 64 * 1024;

const int = (v: string | undefined): number | undefined => (v !== undefined && /^\d{1,15}$/.test(v) ? parseInt(v, 10) : undefined);
const num = (v: string | undefined): number | undefined => (v !== undefined && /^\d{1,15}(?:\.\d{1,15})?$/.test(v) ? parseFloat(v) : undefined);
const str = (v: string | undefined): string | undefined => (v === undefined ? undefined : v);
const tokens = (v: string): string[] => v.split(/\s+/).filter((t) => t !== '');

function archOf(machine: string): string {
  const m = machine.toLowerCase();
  if (m === 'x86_64' || m === 'amd64') return 'x86_64';
  if (m === 'aarch64' || m === 'arm64') return 'aarch64';
  if (m.startsWith('armv') || m === 'arm') return 'arm';
  if (/^i[3-6]86$/.test(m)) return 'i686';
  return m;
}

/** Join a mail-wrapped continuation: no space after `-` or `:` (the wrap split a word), a space otherwise. */
function joinWrapped(value: string, more: string): string {
  if (value === '') return more;
  if (value.length + more.length > MAX_VALUE) return value;
  return value.endsWith('-') || value.endsWith(':') ? value + more : `${value} ${more}`;
}

/** Split `xl info` text into fields, joining wrapped lines. */
function readFields(lines: string[]): Record<string, XlInfoField> {
  const fields = Object.create(null) as Record<string, XlInfoField>;
  let last: XlInfoField | undefined;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    const t = line.trim();
    if (t === '') continue;
    const m = FIELD.exec(t.slice(0, 128));
    if (m && !HEX_WORD.test(m[1])) {
      const value = t.slice(m[0].length, m[0].length + MAX_VALUE).trim();
      last = { value, line: i + 1, text: lineRef(SOURCE, i + 1, line).text ?? '' };
      fields[m[1]] = last;
      continue;
    }
    if (PROMPT.test(t)) {
      last = undefined;
      continue;
    }
    // Not a field: a mail-wrapped continuation of the previous value (or preamble before the first field).
    if (last) last.value = joinWrapped(last.value, t.slice(0, MAX_VALUE));
  }
  return fields;
}

/**
 * Parse `xl info` or `xm info` output (evidence-spec §1). Tolerates collapsed padding, mail-wrapped values
 * (a line that is not `name : value` continues the previous value), CRLF, non-breaking spaces, shell
 * prompts and grep-partial captures. `hw_caps` bits are decoded with the layout of the reported Xen version.
 * Never throws.
 */
export function parseXlInfo(text: string): XlInfo {
  const { lines, truncated } = splitLines(typeof text === 'string' ? text : '');
  const fields = readFields(lines);
  const v = (name: string): string | undefined => fields[name]?.value;
  const findings = new FindingCollector();

  let xenMajor = int(v('xen_major'));
  let xenMinor = int(v('xen_minor'));
  const fromVersion = /^(\d{1,3})\.(\d{1,3})/.exec(v('xen_version') ?? '');
  if (fromVersion && (xenMajor === undefined || xenMinor === undefined)) {
    xenMajor ??= parseInt(fromVersion[1], 10);
    xenMinor ??= parseInt(fromVersion[2], 10);
  }
  const xenExtra = v('xen_extra');
  const xenVersion = v('xen_version') || (xenMajor !== undefined && xenMinor !== undefined ? `${xenMajor}.${xenMinor}${xenExtra ?? ''}` : undefined);
  const machine = v('machine');
  const arch = machine ? archOf(machine) : undefined;
  const xenCaps = tokens(v('xen_caps') ?? '');
  const virtCapsRaw = v('virt_caps');
  const x86 = arch !== undefined ? arch === 'x86_64' || arch === 'i686' : xenCaps.length > 0 ? xenCaps.some((c) => c.includes('x86')) : undefined;
  const xen = xenMajor !== undefined && xenMinor !== undefined ? { major: xenMajor, minor: xenMinor } : undefined;
  const hwCapsRaw = v('hw_caps');
  const hwCaps = hwCapsRaw !== undefined ? decodeHwCaps(hwCapsRaw, xen, x86) : undefined;
  const cmdline = v('xen_commandline');

  const info: XlInfo = {
    fields,
    host: str(v('host')),
    release: str(v('release')),
    version: str(v('version')),
    machine,
    arch,
    nrCpus: int(v('nr_cpus')),
    maxCpuId: int(v('max_cpu_id')),
    nrNodes: int(v('nr_nodes')),
    coresPerSocket: int(v('cores_per_socket')),
    threadsPerCore: int(v('threads_per_core')),
    cpuMhz: num(v('cpu_mhz')),
    totalMemoryMiB: int(v('total_memory')),
    freeMemoryMiB: int(v('free_memory')),
    freeCpus: int(v('free_cpus')),
    xenMajor,
    xenMinor,
    xenExtra,
    xenVersion,
    xenCaps,
    virtCaps: virtCapsRaw === undefined ? null : tokens(virtCapsRaw),
    hwCaps,
    xenScheduler: str(v('xen_scheduler')),
    xenPagesize: int(v('xen_pagesize')),
    platformParams: str(v('platform_params')),
    xenChangeset: str(v('xen_changeset')),
    xenCommandline: cmdline !== undefined ? parseXenCommandline(cmdline) : undefined,
    ccCompiler: str(v('cc_compiler')),
    ccCompileBy: str(v('cc_compile_by')),
    ccCompileDomain: str(v('cc_compile_domain')),
    ccCompileDate: str(v('cc_compile_date')),
    buildId: str(v('build_id')),
    findings: [],
  };
  for (const key of Object.keys(info) as (keyof XlInfo)[]) if (info[key] === undefined) delete info[key];

  if (Object.keys(fields).length === 0) {
    findings.add('XL_INFO_EMPTY', 'warning', 'No "name : value" fields were found: this is not xl info output, or the capture failed.');
  } else {
    const missing = ['xen_caps', 'virt_caps', 'hw_caps', 'xen_commandline'].filter((f) => fields[f] === undefined);
    if (xenVersion === undefined) missing.push('xen_version');
    if (missing.length > 0) {
      findings.add('XL_INFO_FIELDS_MISSING', 'info', `The xl info capture lacks ${missing.join(', ')} (a partial or filtered capture); verdicts that need them are unknown.`);
    }
  }
  if (hwCaps && hwCaps.words === undefined && hwCaps.raw !== '') {
    const f = fields.hw_caps;
    findings.add('XL_INFO_HW_CAPS_MALFORMED', 'info', 'hw_caps is not a list of 8-digit hex words; its CPU feature bits were not decoded.', lineRef(SOURCE, f.line, f.text));
  }
  if (truncated) findings.add('XL_INFO_TRUNCATED', 'warning', 'The xl info capture exceeded the size limit; only its beginning was read.');
  info.findings = findings.list();
  return info;
}
