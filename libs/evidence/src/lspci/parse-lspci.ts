import type { Finding } from '../common';
import { decodeAcs, decodeAts, decodeFlr, decodePcieType, decodeSriov } from './lspci-caps';
import { parseLspciHeader } from './lspci-header';
import { lspciLines } from './lspci-lines';
import type { LspciDevice, LspciResult } from './lspci.types';

const SOURCE = 'lspci-vv.txt';
/** Capabilities whose bodies we decode; all others only contribute their name. */
const WANTED = /^(?:Express|Single Root I\/O Virtualization|Access Control Services|Address Translation Service)/;

interface Building {
  device: LspciDevice;
  bodyLines: number;
  cap?: { name: string; body: string[] };
}

function closeCap(b: Building): void {
  const cap = b.cap;
  b.cap = undefined;
  if (!cap || !WANTED.test(cap.name)) return;
  const blob = cap.body.join(' ');
  const d = b.device;
  if (cap.name.startsWith('Express')) {
    d.express = true;
    d.pcieType = decodePcieType(cap.name);
    const flr = decodeFlr(blob);
    if (flr !== undefined) d.flr = flr;
  } else if (cap.name.startsWith('Single Root')) {
    d.sriov = decodeSriov(blob);
  } else if (cap.name.startsWith('Access Control')) {
    d.acs = decodeAcs(blob);
  } else {
    d.ats = decodeAts(blob);
  }
}

function finish(b: Building): LspciDevice {
  closeCap(b);
  const d = b.device;
  const pciBridgeClass = /^(?:PCI|CardBus) bridge$/i.test(d.className) || d.classCode === '0604' || d.classCode === '0607';
  if (d.pcieType === 'PCI-Express to PCI/PCI-X Bridge') d.conventionalPciBridge = true;
  else if (!pciBridgeClass || d.express) d.conventionalPciBridge = false;
  else if (!d.capabilitiesAccessDenied && b.bodyLines > 0) d.conventionalPciBridge = true;
  return d;
}

function topLevel(b: Building, text: string): void {
  const d = b.device;
  if (text.startsWith('Subsystem:')) {
    let sub = text.slice(10).trim();
    const ids = /\[([0-9a-fA-F]{4}):([0-9a-fA-F]{4})\]$/.exec(sub);
    if (ids) {
      d.subsystemVendorId = ids[1].toLowerCase();
      d.subsystemDeviceId = ids[2].toLowerCase();
      sub = sub.slice(0, ids.index).trim();
    }
    d.subsystem = sub;
  } else if (text.startsWith('IOMMU group:')) {
    const n = parseInt(text.slice(12).trim(), 10);
    if (Number.isFinite(n)) d.iommuGroup = n;
  } else if (text.startsWith('Bus: ')) {
    const sec = /secondary=([0-9a-fA-F]+)/.exec(text);
    const sub = /subordinate=([0-9a-fA-F]+)/.exec(text);
    if (sec) d.secondaryBus = parseInt(sec[1], 16);
    if (sub) d.subordinateBus = parseInt(sub[1], 16);
  }
}

/**
 * Parse `lspci -v`, `-vv`, `-vvv`, `-nn`, `-nnvv`, `-k` (any combination) into PCI functions.
 *
 * Format knowledge (pciutils `lspci.c`, `ls-caps.c`, `ls-ecaps.c`): a device block starts at column 0 with
 * `[dddd:]bb:dd.f class: name`; every other line of the block is indented; capabilities print as
 * `Capabilities: [off] name` or `Capabilities: [off vN] name` followed by deeper-indented detail lines;
 * a non-root run prints `Capabilities: <access denied>` (facts unknown, not absent); `-k` adds
 * `Kernel driver in use:` and `Kernel modules:`. Mail-wrapped lines (tails at column 0) are rejoined, `-x`
 * hex dumps are skipped. Never throws; oddities become findings.
 */
export function parseLspci(text: string): LspciResult {
  const findings: Finding[] = [];
  const devices: LspciDevice[] = [];
  const { lines, continuations, truncated } = lspciLines(typeof text === 'string' ? text : '');
  let current: Building | undefined;
  let elided: number | undefined;
  const flush = () => {
    if (current) devices.push(finish(current));
    current = undefined;
  };
  for (const l of lines) {
    if (l.kind === 'header') {
      flush();
      const h = parseLspciHeader(l.text);
      if (!h) continue;
      current = {
        bodyLines: 0,
        device: { ...h, line: l.line, ari: false, express: false, isBridge: false, capabilitiesAccessDenied: false, capabilities: [] },
      };
      current.device.isBridge = /bridge/i.test(h.className) || (h.classCode?.startsWith('06') ?? false);
      continue;
    }
    if (!current) continue;
    if (l.kind === 'blank') {
      closeCap(current);
      continue;
    }
    const t = l.text;
    current.bodyLines++;
    if (t === '...' && elided === undefined) elided = l.line;
    if (t.startsWith('Capabilities:')) {
      closeCap(current);
      const rest = t.slice(13).trim();
      if (rest.startsWith('<access denied>')) {
        current.device.capabilitiesAccessDenied = true;
        continue;
      }
      const close = rest.indexOf(']');
      const name = (rest.startsWith('[') && close > 0 ? rest.slice(close + 1) : rest).trim();
      current.device.capabilities.push(name);
      if (name.startsWith('Alternative Routing-ID Interpretation')) current.device.ari = true;
      current.cap = { name, body: [] };
    } else if (t.startsWith('Kernel driver in use:')) {
      closeCap(current);
      current.device.kernelDriver = t.slice(21).trim();
    } else if (t.startsWith('Kernel modules:')) {
      closeCap(current);
      current.device.kernelModules = t.slice(15).split(',').map((s) => s.trim()).filter((s) => s !== '');
    } else if (current.cap) {
      if (WANTED.test(current.cap.name)) current.cap.body.push(t);
    } else {
      topLevel(current, t);
    }
  }
  flush();
  collectFindings(devices, findings, { truncated, continuations, elided, text });
  return { devices, accessDenied: devices.some((d) => d.capabilitiesAccessDenied), findings };
}

function collectFindings(
  devices: LspciDevice[],
  findings: Finding[],
  ctx: { truncated: boolean; continuations: { line: number; text: string }[]; elided?: number; text: unknown },
): void {
  if (ctx.truncated) {
    findings.push({ code: 'LSPCI_TRUNCATED', severity: 'warning', message: 'lspci output exceeds the size limit; the tail was not read.' });
  }
  const denied = devices.filter((d) => d.capabilitiesAccessDenied);
  if (denied.length > 0) {
    findings.push({
      code: 'LSPCI_ACCESS_DENIED',
      severity: 'warning',
      message: `lspci could not read the capabilities of ${denied.length} device(s) (not run as root): FLR, SR-IOV and ACS are unknown there. Run lspci -vv as root.`,
      evidence: denied.slice(0, 5).map((d) => ({ source: SOURCE, line: d.line })),
    });
  }
  if (ctx.continuations.length > 0) {
    findings.push({
      code: 'LSPCI_WRAPPED_LINES',
      severity: 'info',
      message: `${ctx.continuations.length} line(s) were wrapped (e.g. by a mail client) and have been rejoined.`,
      evidence: ctx.continuations.slice(0, 5).map((c) => ({ source: SOURCE, line: c.line, text: c.text.slice(0, 200) })),
    });
  }
  if (ctx.elided !== undefined) {
    findings.push({
      code: 'LSPCI_ELIDED',
      severity: 'info',
      message: 'The capture has "..." in place of lines: facts missing from it are unknown.',
      evidence: [{ source: SOURCE, line: ctx.elided }],
    });
  }
  const seen = new Map<string, number>();
  for (const d of devices) {
    const first = seen.get(d.bdf);
    if (first !== undefined) {
      findings.push({
        code: 'LSPCI_DUPLICATE_DEVICE',
        severity: 'warning',
        message: `Device ${d.bdf} appears more than once.`,
        evidence: [{ source: SOURCE, line: first }, { source: SOURCE, line: d.line }],
      });
    } else seen.set(d.bdf, d.line);
    if (d.sriov && d.sriov.totalVfs === 0 && (d.sriov.initialVfs ?? 0) > 0) {
      findings.push({
        code: 'LSPCI_SRIOV_DISABLED_BY_BIOS',
        severity: 'warning',
        message: `${d.bdf}: Total VFs is 0 with Initial VFs ${d.sriov.initialVfs}: SR-IOV is disabled in the BIOS. Enable SR-IOV in the BIOS setup.`,
        evidence: [{ source: SOURCE, line: d.line }],
      });
    }
  }
  if (devices.length === 0 && typeof ctx.text === 'string' && ctx.text.trim() !== '') {
    findings.push({ code: 'LSPCI_NO_DEVICES', severity: 'warning', message: 'No lspci device header (bb:dd.f class: name) was found in the input.' });
  }
}
