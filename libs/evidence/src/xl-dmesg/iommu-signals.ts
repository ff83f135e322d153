import { EvidenceRef } from '../common';
import { VtdFeature, XlDmesgAmdVi, XlDmesgIommu, XlDmesgVtd } from './xl-dmesg.types';
import { splitPageSizes } from './hvm-signals';

/** Empty generic IOMMU signals. */
export const emptyIommu = (): XlDmesgIommu => ({ evidence: {} });
/** Empty VT-d signals. */
export const emptyVtd = (): XlDmesgVtd => ({ detected: false, units: [], features: {}, featureEvidence: {}, unsupported: [] });
/** Empty AMD-Vi signals. */
export const emptyAmdVi = (): XlDmesgAmdVi => ({ detected: false, enabledUnits: [], enabledEvidence: [], enabledByFirmware: [], extendedFeatures: [], ioPageFaults: 0 });

const VTD_FEATURE = /^Intel VT-d (Snoop Control|Dom0 DMA Passthrough|Queued Invalidation|Interrupt Remapping|Posted Interrupt|Shared EPT tables) (enabled|not enabled)/;
const MAX_UNITS = 256;

/**
 * Read generic IOMMU, VT-d and AMD-Vi signals from one trimmed, prefix-stripped line (evidence-spec §2).
 * Returns true when the line is the `AMD-Vi: IOMMU Extended Features:` list header.
 */
export function readIommuLine(t: string, ref: EvidenceRef, iommu: XlDmesgIommu, vtd: XlDmesgVtd, amd: XlDmesgAmdVi): boolean {
  const io = /^I\/O virtualisation (enabled|disabled)/.exec(t);
  if (io) {
    iommu.ioVirtualisation = io[1] as 'enabled' | 'disabled';
    iommu.evidence.ioVirtualisation = ref;
    return false;
  }
  const mode = /^- Dom0 mode: (\S+)/.exec(t);
  if (mode) {
    iommu.dom0Mode = mode[1];
    iommu.evidence.dom0Mode = ref;
    return false;
  }
  const ir = /^Interrupt remapping (enabled|disabled)/.exec(t);
  if (ir) {
    iommu.interruptRemapping = ir[1] as 'enabled' | 'disabled';
    iommu.evidence.interruptRemapping = ref;
    return false;
  }
  if (t.includes("Couldn't enable") && t.includes('iommu=required/force')) iommu.requiredPanic = ref;

  if (t.startsWith('Intel VT-d ')) {
    vtd.detected = true;
    const unit = /^Intel VT-d (?:iommu (\d{1,6}) )?supported page sizes: (.*)$/.exec(t);
    if (unit && vtd.units.length < MAX_UNITS) {
      vtd.units.push({ ...(unit[1] !== undefined ? { index: parseInt(unit[1], 10) } : {}), pageSizes: splitPageSizes(unit[2]), evidence: ref });
    }
    const feature = VTD_FEATURE.exec(t);
    if (feature) {
      const name = feature[1] as VtdFeature;
      vtd.features[name] = feature[2] === 'enabled';
      vtd.featureEvidence[name] = ref;
    }
  }
  if (t.includes('Not enabling x2APIC (upon firmware request)')) vtd.x2apicOptOut = ref;
  if (t.includes('[VT-D]')) {
    vtd.detected = true;
    if (t.includes('[VT-D]IOMMU: unsupported')) vtd.unsupported.push(ref);
  }

  if (t.includes('SP5100 erratum 28')) amd.sp5100Erratum = ref;
  if (t.includes('no CMPXCHG16B support')) amd.noCmpxchg16b = ref;
  if (!t.includes('AMD-Vi')) return false;
  amd.detected = true;
  const enabled = /^AMD-Vi: IOMMU (\d{1,6}) Enabled\./.exec(t);
  if (enabled && amd.enabledUnits.length < MAX_UNITS) {
    amd.enabledUnits.push(parseInt(enabled[1], 10));
    amd.enabledEvidence.push(ref);
  }
  if (t.includes('AMD-Vi: IOMMU not found!')) amd.notFound = ref;
  if (t.includes('AMD-Vi: Error initialization')) amd.errorInit = ref;
  if (t.includes('global interrupt remap table is not recommended')) amd.globalIntremapWarning = ref;
  if (/^AMD-Vi: IOMMU \S{1,32} enabled by firmware/.test(t) && amd.enabledByFirmware.length < MAX_UNITS) amd.enabledByFirmware.push(ref);
  if (t.includes('IO_PAGE_FAULT')) amd.ioPageFaults++;
  return t.startsWith('AMD-Vi: IOMMU Extended Features:');
}
