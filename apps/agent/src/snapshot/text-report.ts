import type { Snapshot, Verdicts, VerdictKey } from '../../../../libs/contracts/src';

/** One line of the `--format text` report, like virt-host-validate but read from Xen itself. */
export type Grade = 'PASS' | 'WARN' | 'FAIL' | 'UNKNOWN';

const LABELS: Record<VerdictKey, string> = {
  hvm: 'HVM guests (VT-x/AMD-V)',
  hap: 'Hardware-assisted paging',
  iommu: 'IOMMU (VT-d/AMD-Vi)',
  interruptRemapping: 'Interrupt remapping',
  passthrough: 'PCI passthrough',
  sriov: 'SR-IOV',
  acpiDmar: 'ACPI DMAR table',
  acpiIvrs: 'ACPI IVRS table',
};

const GRADES: Record<string, Grade> = {
  yes: 'PASS', ready: 'PASS', ok: 'PASS',
  risky: 'WARN', capable: 'WARN', degraded: 'WARN', 'disabled-by-admin': 'WARN', none: 'WARN',
  no: 'FAIL', 'disabled-by-firmware': 'FAIL', broken: 'FAIL',
  unknown: 'UNKNOWN',
};

/** Grade of one verdict. An absent DMAR is normal on AMD (and IVRS on Intel), so `absent` passes when the other table is there. */
export function gradeOf(key: VerdictKey, verdicts: Verdicts): Grade {
  const status = verdicts[key].status;
  if (status === 'absent') {
    const other = key === 'acpiDmar' ? verdicts.acpiIvrs.status : key === 'acpiIvrs' ? verdicts.acpiDmar.status : 'absent';
    return other === 'absent' || other === 'unknown' ? 'WARN' : 'PASS';
  }
  return GRADES[status] ?? 'UNKNOWN';
}

function detail(key: VerdictKey, v: Verdicts): string {
  const verdict = v[key] as { status: string; vendor?: string; kind?: string; pageSizes?: string[] };
  const extra = [verdict.vendor, verdict.kind, verdict.pageSizes?.join('/')].filter(Boolean).join(', ');
  return extra ? `${verdict.status} (${extra})` : verdict.status;
}

/** The text report: a header naming the host, then one line per capability with grade, status and reasons. */
export function renderTextReport(snapshot: Snapshot): string {
  const lines = [`virtcap-agent ${snapshot.agent.version}: ${snapshot.host.hostname} (boot ${snapshot.bootId}, collected ${snapshot.collectedAt})`];
  const v = snapshot.verdicts;
  if (!v) {
    lines.push('No verdicts: see facts.collection.notes in the JSON output (--format json).');
    return lines.join('\n') + '\n';
  }
  const width = Math.max(...Object.values(LABELS).map((l) => l.length));
  for (const key of Object.keys(LABELS) as VerdictKey[]) {
    const reasons = v[key].reasons.length ? v[key].reasons.join(' ') : 'no reason given';
    lines.push(`  ${LABELS[key].padEnd(width)} : ${gradeOf(key, v).padEnd(7)} ${detail(key, v)}: ${reasons}`);
  }
  return lines.join('\n') + '\n';
}
