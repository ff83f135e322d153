/**
 * `xl info` `hw_caps`: Xen's boot CPU featureset words, 8 × `%08x` joined by `:` (evidence-spec §1).
 *
 * Layout by Xen version:
 * - Xen ≥ 4.7 (featureset): w0 = CPUID 1.EDX, w1 = 1.ECX (VMX bit 5), w2 = 0x80000001.EDX (LM bit 29),
 *   w3 = 0x80000001.ECX (SVM bit 2), w4 = 0xD:1.EAX, w5 = 7:0.EBX, w6 = 7:0.ECX, w7 = 0x80000007.EDX.
 * - Xen ≤ 4.6 (Linux-style `x86_capability`): w0 = 1.EDX, w1 = 0x80000001.EDX (LM bit 29), w4 = 1.ECX
 *   (VMX bit 5), w6 = 0x80000001.ECX (SVM bit 2).
 * Xen clears VMX/SVM when HVM initialisation fails; use the bits only to corroborate other evidence.
 */
export interface HwCaps {
  /** The value as read (mail wraps joined). */
  raw: string;
  /** The words, when every one is 1–8 hex digits. */
  words?: number[];
  /** Which layout decoded the bits; undefined when the Xen version or architecture is unknown. */
  layout?: 'xen-4.7+' | 'xen-4.6-';
  vmx?: boolean;
  svm?: boolean;
  lm?: boolean;
}

const bit = (word: number | undefined, n: number): boolean | undefined => (word === undefined ? undefined : ((word >>> n) & 1) === 1);

/**
 * Decode `hw_caps`. `xen` is the Xen major/minor (undefined when unknown); `x86` is false for Arm and other
 * non-x86 machines, where the bits mean nothing here.
 */
export function decodeHwCaps(raw: string, xen: { major: number; minor: number } | undefined, x86: boolean | undefined): HwCaps {
  const compact = raw.replace(/\s+/g, '');
  const parts = compact.split(':');
  const result: HwCaps = { raw: raw.trim() };
  if (compact === '' || parts.length < 2 || parts.length > 32 || !parts.every((p) => /^[0-9a-fA-F]{1,8}$/.test(p))) return result;
  result.words = parts.map((p) => parseInt(p, 16));
  if (!xen || x86 === false) return result;
  const w = result.words;
  if (xen.major > 4 || (xen.major === 4 && xen.minor >= 7)) {
    result.layout = 'xen-4.7+';
    result.vmx = bit(w[1], 5);
    result.lm = bit(w[2], 29);
    result.svm = bit(w[3], 2);
  } else {
    result.layout = 'xen-4.6-';
    result.lm = bit(w[1], 29);
    result.vmx = bit(w[4], 5);
    result.svm = bit(w[6], 2);
  }
  return result;
}
