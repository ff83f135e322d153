import type { EvidenceRef, Finding } from '../common';
import type { XenCommandline } from '../cmdline';
import type { XlDmesg } from '../xl-dmesg';
import type { XlInfo } from '../xl-info';
import type { VtdFeature, XenCommandlineFacts, XenLogFacts, XenLogSignal, XlInfoFacts } from './types';

const XL_INFO = 'xl-info.txt';

/**
 * `xl info` reduced to the verdict inputs (evidence-spec §1): `xen_caps` (null when the field is absent,
 * which the parser reports as []), `virt_caps`, the VMX/SVM/LM bits of `hw_caps`, and a line ref per field.
 */
export function xlInfoFacts(xl: XlInfo): XlInfoFacts {
  const ref = (name: string): EvidenceRef | undefined => {
    const f = xl.fields[name];
    return f ? { source: XL_INFO, line: f.line, text: f.text.slice(0, 512) } : undefined;
  };
  const refs: XlInfoFacts['refs'] = {};
  for (const k of ['xen_caps', 'virt_caps', 'hw_caps', 'xen_version', 'machine'] as const) {
    const r = ref(k);
    if (r) refs[k] = r;
  }
  const hw = xl.hwCaps;
  const hwKnown = hw !== undefined && hw.vmx !== undefined && hw.svm !== undefined;
  return {
    ...(xl.machine ? { machine: xl.machine } : {}),
    ...(xl.xenVersion ? { xenVersion: xl.xenVersion } : {}),
    xenCaps: xl.fields['xen_caps'] ? xl.xenCaps : null,
    virtCaps: xl.virtCaps,
    hwCaps: hwKnown ? { vmx: hw.vmx === true, svm: hw.svm === true, lm: hw.lm === true } : null,
    refs,
  };
}

/** The IOMMU/HAP-relevant part of a parsed Xen command line (evidence-spec §1 `xen_commandline`). */
export function commandlineFacts(cmd: XenCommandline, raw: string, ref: EvidenceRef | undefined): XenCommandlineFacts {
  return {
    raw: raw.slice(0, 4096),
    ...(ref ? { ref } : {}),
    iommuKey: cmd.iommuKey,
    iommuDisabledByAdmin: cmd.iommuDisabledByAdmin,
    hapDisabledByAdmin: cmd.hapDisabledByAdmin,
    intremapDisabledByAdmin: cmd.intremapDisabledByAdmin,
    ivrsIoapicOverride: cmd.ivrsIoapic.length > 0,
  };
}

const VTD_FEATURES: Record<string, VtdFeature> = {
  'Snoop Control': 'snoopControl',
  'Dom0 DMA Passthrough': 'dom0Passthrough',
  'Queued Invalidation': 'queuedInvalidation',
  'Interrupt Remapping': 'interruptRemapping',
  'Posted Interrupt': 'postedInterrupt',
  'Shared EPT tables': 'sharedEpt',
};

/** xl-dmesg finding codes that stand for a verdict signal. */
const FINDING_SIGNALS: Record<string, XenLogSignal> = {
  XEN_DMAR_PARSE_FAILED: 'dmarParseFailed',
  XEN_DMAR_INVALID_ENTRY_LENGTH: 'dmarInvalidEntryLength',
  XEN_RMRR_OVERLAP: 'dmarOverlappingRmrrs',
  XEN_RMRR_NOT_RESERVED: 'rmrrNotReserved',
  XEN_IVHD_NO_IOAPIC_INFO: 'ivhdError',
  XEN_NO_SOUTHBRIDGE_IOAPIC: 'noSouthbridgeIoapic',
  XEN_IVRS_ERROR: 'amdViError',
  XEN_IVHD_TYPE_UNSUPPORTED: 'amdViError',
  XEN_AMDVI_INIT_ERROR: 'amdViError',
  XEN_AMDVI_SP5100_ERRATUM: 'sp5100Erratum',
  XEN_AMDVI_NO_CMPXCHG16B: 'noCmpxchg16b',
  XEN_IOMMU_REQUIRED_PANIC: 'iommuRequiredPanic',
};

const MAX_LOG_FINDINGS = 64;

/**
 * The Xen boot log reduced to verdict signals (evidence-spec §2), each with the first line that showed
 * it. Findings keep errors and warnings only (bounded), not informational lines.
 */
export function xenLogFacts(d: XlDmesg): XenLogFacts {
  const signals: Partial<Record<XenLogSignal, EvidenceRef>> = {};
  const set = (k: XenLogSignal, r: EvidenceRef | undefined) => {
    if (r && signals[k] === undefined) signals[k] = r;
  };
  if (d.hvm.enabled === 'vmx') set('hvmVmxEnabled', d.hvm.evidence.enabled);
  if (d.hvm.enabled === 'svm') set('hvmSvmEnabled', d.hvm.evidence.enabled);
  for (const r of d.hvm.disabledByFirmware) {
    const t = r.text ?? '';
    set(/SVM/.test(t) ? 'svmDisabledByBios' : /TXT/.test(t) && /VMXON failed/.test(t) ? 'vmxonFailedTxt' : 'vmxDisabledByBios', r);
  }
  set('hvmInitFailed', d.hvm.failedToInitialise[0]);
  set('vmxInsufficient', d.hvm.insufficientControls[0]);
  if (d.hap.disabled) set('hapDetectedButDisabled', d.hap.evidence.disabled ?? d.hap.evidence.detected);
  else if (d.hap.detected) set('hapDetected', d.hap.evidence.detected);
  if (d.hap.notDetected) set('hapNotDetected', d.hap.evidence.notDetected);
  if (d.iommu.ioVirtualisation === 'enabled') set('iommuEnabled', d.iommu.evidence.ioVirtualisation);
  if (d.iommu.ioVirtualisation === 'disabled') set('iommuDisabled', d.iommu.evidence.ioVirtualisation);
  if (d.iommu.interruptRemapping === 'enabled') set('intremapEnabled', d.iommu.evidence.interruptRemapping);
  if (d.iommu.interruptRemapping === 'disabled') set('intremapDisabled', d.iommu.evidence.interruptRemapping);
  const vtdIr = d.vtd.features['Interrupt Remapping'];
  if (vtdIr === true) set('intremapEnabled', d.vtd.featureEvidence['Interrupt Remapping']);
  if (vtdIr === false && d.iommu.interruptRemapping !== 'enabled') set('intremapDisabled', d.vtd.featureEvidence['Interrupt Remapping']);
  if (d.vtd.detected) set('vtdPresent', d.vtd.units[0]?.evidence ?? Object.values(d.vtd.featureEvidence)[0]);
  set('amdViEnabled', d.amdVi.enabledEvidence[0]);
  set('amdViNotFound', d.amdVi.notFound);
  set('sp5100Erratum', d.amdVi.sp5100Erratum);
  set('noCmpxchg16b', d.amdVi.noCmpxchg16b);
  set('amdViError', d.amdVi.errorInit);
  set('iommuRequiredPanic', d.iommu.requiredPanic);
  for (const f of d.findings) {
    const s = FINDING_SIGNALS[f.code];
    if (s) set(s, f.evidence?.[0]);
  }
  for (const c of d.acpiChecksumErrors) {
    if (/DMAR|RMAD|XMAR/.test(c.signature)) set('checksumDmar', c.evidence);
    if (c.signature === 'IVRS') set('checksumIvrs', c.evidence);
  }
  const vtdFeatures: XenLogFacts['vtdFeatures'] = {};
  for (const [name, on] of Object.entries(d.vtd.features)) {
    const k = VTD_FEATURES[name];
    if (k && on !== undefined) vtdFeatures[k] = on;
  }
  const findings: Finding[] = d.findings.filter((f) => f.severity !== 'info' && f.code !== 'XEN_AMDVI_IO_PAGE_FAULT').slice(0, MAX_LOG_FINDINGS);
  return {
    complete: d.complete,
    ...(d.xenVersion ? { xenVersion: d.xenVersion } : {}),
    signals,
    ...(d.hap.pageSizes.length > 0 ? { hapPageSizes: d.hap.pageSizes.slice(0, 8) } : {}),
    vtdFeatures,
    ...(d.iommu.dom0Mode ? { dom0Mode: d.iommu.dom0Mode } : {}),
    acpiTables: d.acpiTables.length > 0 ? [...new Set(d.acpiTables.map((t) => t.signature))] : null,
    findings,
  };
}
