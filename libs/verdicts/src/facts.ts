import type { EvidenceRef } from '../../evidence/src/common';
import type { HostFacts, XenLogSignal } from '../../evidence/src/host-facts/types';

/** The host-facts type the rules read (re-exported so verdict callers need one import). */
export type { HostFacts } from '../../evidence/src/host-facts/types';
export type { EvidenceRef } from '../../evidence/src/common';

/** The line that showed a Xen boot-log signal, if any. */
export const logSignal = (facts: HostFacts, s: XenLogSignal): EvidenceRef | undefined => facts.xenLog?.signals[s];

/** True when one of the `xl dmesg` signals is present. */
export const hasSignal = (facts: HostFacts, ...s: XenLogSignal[]): boolean => s.some((k) => facts.xenLog?.signals[k] !== undefined);

/** Refs for the present signals, in the order asked. */
export const signalRefs = (facts: HostFacts, ...s: XenLogSignal[]): EvidenceRef[] =>
  s.map((k) => facts.xenLog?.signals[k]).filter((r): r is EvidenceRef => r !== undefined);

/** True when `xl info` lists `virt_caps` and it has one of the tokens. */
export const virtCap = (facts: HostFacts, ...tokens: string[]): boolean =>
  facts.xlInfo?.virtCaps != null && tokens.some((t) => facts.xlInfo!.virtCaps!.includes(t));

/** True when the host is an Arm machine per `xl info machine` (no VMX/SVM/DMAR/IVRS there). */
export const isArm = (facts: HostFacts): boolean => facts.arch === 'aarch64' || facts.arch === 'arm';

/** Compact `{source, field}` ref to an `xl info` field. */
export const xlInfoRef = (facts: HostFacts, field: 'xen_caps' | 'virt_caps' | 'hw_caps' | 'xen_version' | 'machine'): EvidenceRef[] => {
  const r = facts.xlInfo?.refs[field];
  return r ? [r] : facts.xlInfo ? [{ source: 'xl-info.txt', field }] : [];
};

/** Wrapped ring buffer reason, shared by several verdicts. */
export const INCOMPLETE_LOG =
  'the xl dmesg ring buffer has wrapped (no "Xen version" banner), so missing boot messages prove nothing; capture `xl dmesg` right after boot or raise conring_size=';
