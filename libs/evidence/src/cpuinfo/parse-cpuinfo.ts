import type { Finding } from '../common';
import { splitLines } from '../common';
import type { CpuInfo } from './cpuinfo.types';
import { joinWrapped, valueColumn, type WrappedField } from './join-wrapped';

const SOURCE = 'cpuinfo.txt';
const FLAG_TOKEN = /^[A-Za-z0-9_.-]+$/;
const LSCPU_KEYS = new Set(['Architecture', 'CPU(s)', 'Vendor ID', 'Flags', 'Model name', 'CPU family']);
const VENDORS: Record<string, CpuInfo['vendor']> = { GenuineIntel: 'intel', AuthenticAMD: 'amd', HygonGenuine: 'amd' };

const int = (v: string): number | undefined => {
  const t = v.trim();
  if (/^\d+$/.test(t)) return parseInt(t, 10);
  if (/^0x[0-9a-fA-F]+$/.test(t)) return parseInt(t, 16);
  return undefined;
};
const FLAG_KEYS: Record<string, WrappedField['kind']> = { flags: 'flags', 'vmx flags': 'vmx', features: 'features' };

/**
 * Parse `/proc/cpuinfo` (x86: `key\t: value` blocks per CPU; Arm: `CPU implementer`, `Features`, no `vendor_id`)
 * and, because captures often come that way, `lscpu` (`Key:   value`). `flags` and `vmx flags` are read
 * separately and de-duplicated across CPUs (evidence-spec §5); terminal- and mail-wrapped flag lines are rejoined.
 * In a Xen PV dom0 `vmx`/`svm` are hidden (§0.1): their absence there proves nothing, so the result says
 * `xenPvDom0Likely` instead of "no". Never throws.
 */
export function parseCpuinfo(text: string): CpuInfo {
  const findings: Finding[] = [];
  const { lines, truncated } = splitLines(typeof text === 'string' ? text : '');
  const out: CpuInfo = {
    format: 'unknown', vendor: undefined, flags: [], vmxFlags: [], hasVmx: false, hasSvm: false, hasLm: false,
    hypervisor: false, xenPvDom0Likely: false, xenPvFlagPattern: false, findings,
  };
  const flagSet = new Set<string>();
  const vmxSet = new Set<string>();
  let processors = 0;
  let lscpuCount: number | undefined;
  let lscpuKeys = 0;
  let cpuinfoKeys = 0;
  let wrappedAt: number | undefined;
  let field: WrappedField | undefined;
  const closeField = () => {
    if (!field) return;
    const target = field.kind === 'vmx' ? vmxSet : flagSet;
    for (const token of joinWrapped(field).split(/\s+/)) if (token !== '' && FLAG_TOKEN.test(token)) target.add(token);
    field = undefined;
  };
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    if (line.trim() === '') {
      closeField();
      continue;
    }
    const colon = line.indexOf(':');
    if (colon < 0) {
      if (field) {
        field.continuations.push(line);
        wrappedAt ??= i + 1;
      }
      continue;
    }
    closeField();
    const rawKey = line.slice(0, colon).trim();
    const key = rawKey.toLowerCase().replace(/_/g, ' ');
    const value = line.slice(colon + 1).trim();
    if (LSCPU_KEYS.has(rawKey)) lscpuKeys++;
    if (rawKey === 'processor' || rawKey === 'vendor_id' || rawKey === 'flags' || rawKey === 'CPU implementer') cpuinfoKeys++;
    const kind = FLAG_KEYS[key];
    if (kind) {
      field = { kind, keyLine: line, valueCol: valueColumn(line, colon), continuations: [] };
      continue;
    }
    switch (key) {
      case 'processor':
        if (/^\d+$/.test(value)) processors++;
        else if (value !== '') out.modelName ??= value; // old Arm kernels: "Processor : ARMv7 Processor rev 10 (v7l)"
        break;
      case 'vendor id':
        if (value !== '') out.vendorId ??= value;
        break;
      case 'cpu family':
        out.family ??= int(value);
        break;
      case 'model':
        out.model ??= int(value);
        break;
      case 'model name':
        if (value !== '') out.modelName ??= value;
        break;
      case 'stepping':
        out.stepping ??= int(value);
        break;
      case 'cpu(s)':
        lscpuCount ??= int(value);
        break;
      case 'cpu implementer':
      case 'cpu architecture':
      case 'cpu variant':
      case 'cpu part':
      case 'cpu revision': {
        const arm = (out.arm ??= {});
        const name = key === 'cpu implementer' ? 'implementer' : (key.slice(4) as 'architecture' | 'variant' | 'part' | 'revision');
        arm[name] ??= value;
        break;
      }
      case 'virtualization':
      case 'hypervisor vendor':
      case 'virtualization type': {
        const l = (out.lscpu ??= {});
        const name = key === 'virtualization' ? 'virtualization' : key === 'hypervisor vendor' ? 'hypervisorVendor' : 'virtualizationType';
        l[name] ??= value;
        break;
      }
      default:
        break;
    }
  }
  closeField();
  out.format = lscpuKeys > cpuinfoKeys ? 'lscpu' : cpuinfoKeys > 0 ? 'cpuinfo' : lscpuKeys > 0 ? 'lscpu' : 'unknown';
  out.flags = [...flagSet];
  out.vmxFlags = [...vmxSet];
  out.cpuCount = processors > 0 ? processors : lscpuCount;
  if (out.vendorId !== undefined) out.vendor = VENDORS[out.vendorId] ?? 'other';
  else if (out.arm?.implementer !== undefined) out.vendor = 'other';
  out.hasVmx = flagSet.has('vmx') || vmxSet.size > 0;
  out.hasSvm = flagSet.has('svm');
  out.hasLm = flagSet.has('lm');
  out.hypervisor = flagSet.has('hypervisor');
  out.xenPvDom0Likely = out.hypervisor && !out.hasVmx && !out.hasSvm;
  out.xenPvFlagPattern = out.hypervisor && !['vme', 'pse', 'pge', 'mtrr'].some((f) => flagSet.has(f));
  if (truncated) findings.push({ code: 'CPUINFO_TRUNCATED', severity: 'warning', message: 'cpuinfo exceeds the size limit; the tail was not read.' });
  if (wrappedAt !== undefined) {
    findings.push({ code: 'CPUINFO_WRAPPED_LINES', severity: 'info', message: 'Flag lines were wrapped (terminal or mail) and have been rejoined.', evidence: [{ source: SOURCE, line: wrappedAt }] });
  }
  if (out.format === 'lscpu') {
    findings.push({ code: 'CPUINFO_IS_LSCPU', severity: 'info', message: 'The input is lscpu output, not /proc/cpuinfo; it was read as such.' });
  }
  if (flagSet.size === 0 && lines.some((l) => l.trim() !== '')) {
    findings.push({ code: 'CPUINFO_NO_FLAGS', severity: 'warning', message: 'No flags/Features line was found: CPU features are unknown.' });
  }
  if (out.xenPvDom0Likely) {
    findings.push({
      code: 'CPUINFO_VIRT_FLAGS_HIDDEN',
      severity: 'info',
      message: 'The hypervisor flag is set and vmx/svm are absent. In a Xen PV dom0 Xen hides VMX/SVM, so this proves nothing about HVM support: read xl info (virt_caps, xen_caps) instead.',
    });
  }
  return out;
}
