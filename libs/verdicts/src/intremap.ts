import type { InterruptRemappingVerdict } from '../../contracts/src/verdicts';
import type { EvidenceRef, HostFacts } from './facts';
import { hasSignal, INCOMPLETE_LOG, signalRefs } from './facts';
import { iommuVerdict } from './iommu';

const onOff = (b: boolean | undefined): string => (b === undefined ? 'not reported' : b ? 'enabled' : 'not enabled');

/**
 * Interrupt-remapping verdict, evidence-spec §9: `Interrupt remapping enabled` / `Intel VT-d Interrupt
 * Remapping enabled.` is `yes`; `… disabled`, `… not enabled.`, or `iommu=no-intremap` on the command line
 * is `no`; without an IOMMU it is `no` too. Posted interrupts, snoop control and Dom0 mode are recorded in
 * the reasons. Without remapping, passthrough is safe only for trusted guests (XSA-36/59 class).
 */
export function interruptRemappingVerdict(facts: HostFacts): InterruptRemappingVerdict {
  const vtd = facts.xenLog?.vtdFeatures ?? {};
  const extras: string[] = [];
  if (vtd.postedInterrupt !== undefined || vtd.snoopControl !== undefined) {
    extras.push(`VT-d posted interrupts ${onOff(vtd.postedInterrupt)}, snoop control ${onOff(vtd.snoopControl)}.`);
  }
  if (facts.xenLog?.dom0Mode) extras.push(`Dom0 IOMMU mode: ${facts.xenLog.dom0Mode}.`);
  const cmd = facts.xenCommandline;
  if (hasSignal(facts, 'intremapEnabled')) {
    return { status: 'yes', reasons: ['Xen remaps device interrupts through the IOMMU.', ...extras], evidence: signalRefs(facts, 'intremapEnabled') };
  }
  const untrusted = 'Without interrupt remapping, pass devices through only to trusted guests (a guest can inject interrupts, XSA-36/59 class).';
  if (cmd?.intremapDisabledByAdmin) {
    return {
      status: 'no',
      reasons: ['Interrupt remapping is turned off on the Xen command line (iommu=no-intremap): remove it.', untrusted, ...extras],
      evidence: [...(cmd.ref ? [cmd.ref] : []), ...signalRefs(facts, 'intremapDisabled')],
    };
  }
  if (hasSignal(facts, 'intremapDisabled')) {
    const reasons = ['Xen runs the IOMMU without interrupt remapping: the firmware tables lack IO-APIC/HPET scopes or the hardware lacks the feature; a BIOS update may help.', untrusted, ...extras];
    if (hasSignal(facts, 'noSouthbridgeIoapic', 'ivhdError')) reasons.unshift('The IVRS table lacks the southbridge IO-APIC: add ivrs_ioapic[<id>]=00:14.0 to the Xen command line.');
    return { status: 'no', reasons, evidence: signalRefs(facts, 'intremapDisabled', 'noSouthbridgeIoapic', 'ivhdError') };
  }
  const iommu = iommuVerdict(facts);
  if (iommu.status !== 'yes' && iommu.status !== 'unknown') {
    return { status: 'no', reasons: [`Interrupt remapping needs the IOMMU, which is ${iommu.status}.`], evidence: iommu.evidence };
  }
  const reasons: string[] = [];
  const evidence: EvidenceRef[] = [];
  if (iommu.status === 'yes' && facts.xenLog?.complete) {
    reasons.push('The boot log is complete but has no interrupt-remapping line (Xen before 4.4 prints none): check `xl dmesg | grep -i remap`.');
  } else if (facts.xenLog && !facts.xenLog.complete) reasons.push(INCOMPLETE_LOG);
  else reasons.push('Only the Xen boot log (xl dmesg) says whether interrupt remapping is on; it was not captured.');
  return { status: 'unknown', reasons: [...reasons, ...extras], evidence };
}
