import type { LspciAcs, LspciAts, LspciSriov } from './lspci.types';

/*
 * Decoders for the capability blocks that passthrough and SR-IOV verdicts need. Each takes the capability body
 * as one string (all its lines joined with spaces), which makes them indifferent to pciutils' line layout
 * and to mail wrapping. Patterns are anchored on fixed labels and never nest quantifiers.
 */

const int = (m: RegExpExecArray | null, radix = 10): number | undefined => {
  if (!m) return undefined;
  const n = parseInt(m[1], radix);
  return Number.isFinite(n) ? n : undefined;
};
const flag = (m: RegExpExecArray | null): boolean | undefined => (m ? m[1] === '+' : undefined);

/** Text between `label` and the next of `stops` (or the end). */
function segment(blob: string, label: string, stops: string[]): string | undefined {
  const start = blob.indexOf(label);
  if (start < 0) return undefined;
  let end = blob.length;
  for (const stop of stops) {
    const at = blob.indexOf(stop, start + label.length);
    if (at >= 0 && at < end) end = at;
  }
  return blob.slice(start + label.length, end);
}

/** `FLReset±` inside `DevCap:` (the `DevCtl:` FLReset bit means "initiate FLR", not support). */
export function decodeFlr(blob: string): boolean | undefined {
  const devCap = segment(blob, 'DevCap:', ['DevCtl:', 'DevSta:', 'LnkCap:', 'DevCap2:']);
  return devCap === undefined ? undefined : flag(/FLReset([+-])/.exec(devCap));
}

/** Express device/port type from the capability name: `Express (v2) Root Port (Slot+), MSI 00` → `Root Port`. */
export function decodePcieType(capName: string): string | undefined {
  let s = capName.replace(/^Express\s*/, '');
  if (s.startsWith('(v')) {
    const close = s.indexOf(')');
    s = close >= 0 ? s.slice(close + 1) : s;
  }
  const comma = s.indexOf(',');
  if (comma >= 0) s = s.slice(0, comma);
  const paren = s.indexOf(' (');
  if (paren >= 0) s = s.slice(0, paren);
  s = s.trim();
  return s === '' ? undefined : s;
}

/** SR-IOV capability body (pciutils `cap_sriov`). */
export function decodeSriov(blob: string): LspciSriov {
  const iovCap = segment(blob, 'IOVCap:', ['IOVCtl:', 'IOVSta:']) ?? '';
  const iovCtl = segment(blob, 'IOVCtl:', ['IOVSta:', 'Initial VFs:']) ?? '';
  const link = /Function Dependency Link:\s*([0-9a-fA-F]+)/.exec(blob);
  const vfDev = /VF offset:.{0,40}?Device ID:\s*([0-9a-fA-F]{4})/.exec(blob);
  const sriov: LspciSriov = {
    initialVfs: int(/Initial VFs:\s*(\d+)/.exec(blob)),
    totalVfs: int(/Total VFs:\s*(\d+)/.exec(blob)),
    numVfs: int(/Number of VFs:\s*(\d+)/.exec(blob)),
    functionDependencyLink: link ? link[1].toLowerCase() : undefined,
    vfOffset: int(/VF offset:\s*(\d+)/.exec(blob)),
    vfStride: int(/VF offset:\s*\d+,\s*stride:\s*(\d+)/.exec(blob)),
    vfDeviceId: vfDev ? vfDev[1].toLowerCase() : undefined,
    enabled: flag(/Enable([+-])/.exec(iovCtl)),
    ariHierarchy: flag(/ARIHierarchy([+-])/.exec(iovCtl)),
    migration: flag(/Migration([+-])/.exec(iovCap)),
  };
  for (const key of Object.keys(sriov) as (keyof LspciSriov)[]) if (sriov[key] === undefined) delete sriov[key];
  return sriov;
}

function flags(text: string | undefined): Record<string, boolean> {
  const out: Record<string, boolean> = {};
  if (text === undefined) return out;
  for (const word of text.split(/[\s,]+/)) {
    const last = word.charCodeAt(word.length - 1);
    if (word.length > 1 && (last === 43 || last === 45)) out[word.slice(0, -1)] = last === 43;
  }
  return out;
}

/** Access Control Services body: `ACSCap: SrcValid± …` and `ACSCtl: SrcValid± …`. */
export function decodeAcs(blob: string): LspciAcs {
  return { cap: flags(segment(blob, 'ACSCap:', ['ACSCtl:'])), ctl: flags(segment(blob, 'ACSCtl:', ['ACSCap:'])) };
}

/** ATS body: `ATSCap: Invalidate Queue Depth: %02x`, `ATSCtl: Enable±, Smallest Translation Unit: %02x`. */
export function decodeAts(blob: string): LspciAts {
  const ats: LspciAts = {
    invalidateQueueDepth: int(/Invalidate Queue Depth:\s*([0-9a-fA-F]+)/.exec(blob), 16),
    enabled: flag(/ATSCtl:\s*Enable([+-])/.exec(blob)),
    stu: int(/Smallest Translation Unit:\s*([0-9a-fA-F]+)/.exec(blob), 16),
  };
  for (const key of Object.keys(ats) as (keyof LspciAts)[]) if (ats[key] === undefined) delete ats[key];
  return ats;
}
