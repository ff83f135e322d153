import { parseXenCommandline } from '../cmdline';
import type { Finding } from '../common';
import { parseCpuinfo } from '../cpuinfo';
import { parseDmidecode, parseDmiFiles } from '../dmi';
import { parseLinuxDmesg } from '../linux-dmesg';
import { parseLspci } from '../lspci';
import { parseHypervisor, parseSysfsPci, parseXenCapabilities } from '../sysfs';
import { parseXlDmesg } from '../xl-dmesg';
import { parseXlInfo } from '../xl-info';
import { parsePciAssignableList, parseXlPciList } from '../xl-pci';
import { acpiContextFromXenLog, acpidumpTables, acpiSignatureOf, DMAR_PRIORITY, tableBytes, tableFacts } from './acpi';
import { mergePci } from './pci';
import type { AcpiFacts, AcpiTableFacts, EvidenceBundle, FirmwareFacts, HostFacts } from './types';
import { commandlineFacts, xenLogFacts, xlInfoFacts } from './xen';

const text = (v: string | Uint8Array | undefined): string | undefined =>
  v === undefined ? undefined : typeof v === 'string' ? v : new TextDecoder('utf-8', { fatal: false }).decode(v);

const under = (bundle: EvidenceBundle, prefix: string): Record<string, string> => {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(bundle)) if (k.startsWith(prefix)) out[k.slice(prefix.length)] = text(v) ?? '';
  return out;
};

/** Heuristic Arm markers in a Xen boot log when `xl info` is missing (stage-2 P2M and GIC lines exist only on Arm). */
const ARM_LOG = /P2M: \d{1,3}-bit IPA|Guest atomics will try|GICv[23]/;

function firmwareOf(bundle: EvidenceBundle): { firmware?: FirmwareFacts; findings: Finding[] } {
  const dmi = under(bundle, 'dmi/');
  const parsed = Object.keys(dmi).length > 0 ? parseDmiFiles(dmi) : bundle['dmidecode.txt'] !== undefined ? parseDmidecode(text(bundle['dmidecode.txt'])!) : undefined;
  if (!parsed) return { findings: [] };
  const fw = Object.fromEntries(Object.entries(parsed.firmware).filter(([, v]) => v !== undefined)) as FirmwareFacts;
  return { firmware: fw, findings: parsed.findings.filter((f) => f.severity !== 'info').slice(0, 16) };
}

function acpiOf(bundle: EvidenceBundle, xenLogText: string | undefined, tablesFromLogs: string[]): AcpiFacts {
  const ctx = xenLogText ? acpiContextFromXenLog(xenLogText) : {};
  const files = new Map<string, { path: string; value: string | Uint8Array }>();
  for (const [path, value] of Object.entries(bundle)) {
    const sig = acpiSignatureOf(path);
    if (sig && !files.has(sig)) files.set(sig, { path, value });
  }
  const dump = bundle['acpidump.txt'] !== undefined ? acpidumpTables(text(bundle['acpidump.txt'])!) : new Map<string, Uint8Array>();
  const read = (sig: string): AcpiTableFacts | undefined => {
    const f = files.get(sig);
    if (f) {
      const got = tableBytes(f.value, f.path);
      if (got) return tableFacts(got.bytes, f.path, ctx, got.findings);
    }
    const d = dump.get(sig);
    return d ? tableFacts(d, 'acpidump.txt', ctx) : undefined;
  };
  let dmar: AcpiTableFacts | undefined;
  for (const sig of DMAR_PRIORITY) if (!dmar) dmar = read(sig);
  const ivrs = read('IVRS');
  const tablesSeen = [...new Set([...files.keys(), ...dump.keys(), ...tablesFromLogs])].sort();
  return {
    ...(dmar ? { dmar } : {}),
    ...(ivrs ? { ivrs } : {}),
    tablesSeen,
    inventoryKnown: files.size > 0 || dump.size > 0 || tablesFromLogs.length > 0,
  };
}

/**
 * Run every parser on what the evidence directory holds (DESIGN.md "Evidence directory") and reduce the
 * results to {@link HostFacts}: compact, JSON-serialisable, each fact with its source. A missing file is
 * "no evidence", never an error; garbage yields findings, never a throw. The Xen command line comes from
 * `xl info` (else the `xl dmesg` `Command line:`); DMAR is read as RMAD, then XMAR, then DMAR; the table
 * inventory counts as known only from `acpi/*`, `acpidump.txt` or a complete boot-log listing.
 */
export function buildHostFacts(bundle: EvidenceBundle): HostFacts {
  const sources = Object.keys(bundle).sort();
  const findings: Finding[] = [];
  const facts: HostFacts = { sources, isXenDom0: null, acpi: { tablesSeen: [], inventoryKnown: false }, pci: mergePci(undefined, undefined, undefined, undefined), findings };

  const xlInfoText = text(bundle['xl-info.txt']);
  if (xlInfoText !== undefined) {
    const xl = parseXlInfo(xlInfoText);
    facts.xlInfo = xlInfoFacts(xl);
    const a = xl.arch;
    if (a) facts.arch = a === 'x86_64' ? 'x86_64' : a === 'aarch64' ? 'aarch64' : a === 'arm' ? 'arm' : 'other';
    const f = xl.fields['xen_commandline'];
    if (xl.xenCommandline && f) facts.xenCommandline = commandlineFacts(xl.xenCommandline, f.value, { source: 'xl-info.txt', line: f.line, text: f.text.slice(0, 4096) });
    findings.push(...xl.findings.filter((x) => x.severity !== 'info').slice(0, 16));
  }
  const xlDmesgText = text(bundle['xl-dmesg.txt']);
  const logTables: string[] = [];
  if (xlDmesgText !== undefined) {
    const d = parseXlDmesg(xlDmesgText);
    facts.xenLog = xenLogFacts(d);
    if (d.complete && facts.xenLog.acpiTables) logTables.push(...facts.xenLog.acpiTables);
    if (!facts.xenCommandline && d.commandLine && d.commandLineEvidence) {
      const raw = (d.commandLineEvidence.text ?? '').replace(/^.*?Command line:\s?/, '');
      facts.xenCommandline = commandlineFacts(d.commandLine, raw, d.commandLineEvidence);
    }
    if (!facts.arch && ARM_LOG.test(xlDmesgText)) facts.arch = 'arm';
    if (!d.complete) {
      findings.push({ code: 'XL_DMESG_INCOMPLETE', severity: 'warning', message: 'The xl dmesg capture has no "Xen version" banner: the ring buffer wrapped or the capture is an excerpt; missing lines prove nothing.', evidence: [{ source: 'xl-dmesg.txt' }] });
    }
  }
  const cpuText = text(bundle['cpuinfo.txt']);
  if (cpuText !== undefined) {
    const c = parseCpuinfo(cpuText);
    facts.cpu = {
      ...(c.vendor === 'intel' || c.vendor === 'amd' ? { vendor: c.vendor } : {}),
      flags: c.flags.filter((f) => ['vmx', 'svm', 'lm', 'hypervisor', 'ept', 'npt', 'vpid', 'pae'].includes(f)),
      hypervisorFlag: c.hypervisor,
      ref: { source: 'cpuinfo.txt', field: 'flags' },
    };
  }
  const dmesgText = text(bundle['dmesg.txt']);
  if (dmesgText !== undefined) {
    const l = parseLinuxDmesg(dmesgText);
    const tables = [...new Set(l.acpiTables.map((t) => t.signature))];
    facts.linuxLog = { xenPv: l.xenPv !== undefined, findings: l.findings.filter((f) => f.severity !== 'info').slice(0, 64), acpiTables: tables };
    logTables.push(...tables);
  }
  facts.acpi = acpiOf(bundle, xlDmesgText, logTables);

  const fw = firmwareOf(bundle);
  if (fw.firmware) facts.firmware = fw.firmware;
  findings.push(...fw.findings);

  const hyp = under(bundle, 'hypervisor/');
  const hv = Object.keys(hyp).length > 0 ? parseHypervisor(hyp) : undefined;
  if (hv?.guestType) facts.guestType = hv.guestType;
  if (bundle['xen-capabilities.txt'] !== undefined) facts.isXenDom0 = parseXenCapabilities(text(bundle['xen-capabilities.txt'])!).controlDomain;
  else if (xlInfoText !== undefined || xlDmesgText !== undefined) facts.isXenDom0 = true;
  else if (hv && !hv.isXen) facts.isXenDom0 = false;
  else if (facts.linuxLog?.xenPv) facts.isXenDom0 = true;

  const lspciText = text(bundle['lspci-vv.txt']);
  const lspci = lspciText !== undefined ? parseLspci(lspciText) : undefined;
  const sysfsFiles = under(bundle, 'sysfs/pci/');
  const sysfs = Object.keys(sysfsFiles).length > 0 ? parseSysfsPci(sysfsFiles) : undefined;
  const assignableText = text(bundle['xl-pci-assignable-list.txt']);
  const guestFiles = under(bundle, 'xl-pci-list/');
  const guests = Object.keys(guestFiles).length > 0 ? Object.entries(guestFiles).flatMap(([f, t]) => parseXlPciList(t, f.replace(/\.txt$/, ''))) : undefined;
  facts.pci = mergePci(lspci, sysfs, assignableText !== undefined ? parsePciAssignableList(assignableText) : undefined, guests);
  if (lspci) findings.push(...lspci.findings.filter((f) => f.severity !== 'info').slice(0, 16));
  if (sysfs) findings.push(...sysfs.findings.slice(0, 16));
  return facts;
}
