import type { HapVerdict } from '../../contracts/src/verdicts';
import type { HostFacts } from './facts';
import { hasSignal, INCOMPLETE_LOG, signalRefs, virtCap, xlInfoRef } from './facts';
import { hvmVerdict } from './hvm';

/**
 * HAP (EPT/NPT) verdict, evidence-spec §9 "HAP": `virt_caps` `hap` (Xen 4.13+) or
 * `HVM: Hardware Assisted Paging (HAP) detected`; `detected but disabled` or `hap=0` on the Xen command
 * line is `disabled-by-admin`; `not detected` is `no`. The `shadow` token is never evidence. Page sizes
 * come from `HVM: HAP page sizes:` with `[disabled]` markers kept.
 */
export function hapVerdict(facts: HostFacts): HapVerdict {
  const pageSizes = facts.xenLog?.hapPageSizes;
  const withSizes = (v: HapVerdict): HapVerdict => (pageSizes && pageSizes.length > 0 ? { ...v, pageSizes: pageSizes.slice(0, 8) } : v);
  const cmd = facts.xenCommandline;

  if (hasSignal(facts, 'hapDetectedButDisabled') || (cmd?.hapDisabledByAdmin && !virtCap(facts, 'hap'))) {
    return withSizes({
      status: 'disabled-by-admin',
      reasons: ['HAP is supported but disabled on the Xen command line (hap=0): remove it to use EPT/NPT; guests fall back to slower shadow paging.'],
      evidence: [...signalRefs(facts, 'hapDetectedButDisabled'), ...(cmd?.hapDisabledByAdmin && cmd.ref ? [cmd.ref] : [])],
    });
  }
  if (virtCap(facts, 'hap') || hasSignal(facts, 'hapDetected')) {
    const reasons = ['Hardware Assisted Paging (EPT/NPT) is available to HVM guests.'];
    if (pageSizes?.some((s) => s.includes('disabled'))) reasons.push(`Some HAP superpage sizes are disabled: ${pageSizes.join(', ')}.`);
    return withSizes({
      status: 'yes',
      reasons,
      evidence: [...(virtCap(facts, 'hap') ? xlInfoRef(facts, 'virt_caps') : []), ...signalRefs(facts, 'hapDetected')],
    });
  }
  if (hasSignal(facts, 'hapNotDetected')) {
    const reasons = ['The CPU offers no usable EPT/NPT: HVM guests use shadow paging.'];
    if (hasSignal(facts, 'hvmVmxEnabled')) reasons.push('On Intel, Xen does not use EPT without PAT (XSA-60) unless `force-ept` is given; check whether PAT is hidden (e.g. when Xen runs nested).');
    return withSizes({ status: 'no', reasons, evidence: signalRefs(facts, 'hapNotDetected', 'hvmVmxEnabled') });
  }
  const hvm = hvmVerdict(facts);
  if (hvm.status === 'no' || hvm.status === 'disabled-by-firmware') {
    return { status: 'no', reasons: [`HAP needs HVM, which is ${hvm.status}.`], evidence: hvm.evidence };
  }
  const reasons: string[] = [];
  if (facts.xenLog && !facts.xenLog.complete) reasons.push(INCOMPLETE_LOG);
  if (facts.xlInfo?.virtCaps) reasons.push('virt_caps has no `hap` token: Xen before 4.13 never prints it, and from 4.13 its absence does not say whether the CPU or the command line is the cause (the `shadow` token says nothing about hardware); the xl dmesg HAP line tells.');
  if (reasons.length === 0) reasons.push('No HAP evidence (xl info virt_caps from Xen 4.13+, or the xl dmesg HAP line) was captured.');
  return withSizes({ status: 'unknown', reasons, evidence: xlInfoRef(facts, 'virt_caps') });
}
