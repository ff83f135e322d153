import { EvidenceRef } from '../common';
import { XlDmesgHap, XlDmesgHvm } from './xl-dmesg.types';

/** Empty HVM signals. */
export const emptyHvm = (): XlDmesgHvm => ({
  disabledByFirmware: [],
  failedToInitialise: [],
  insufficientControls: [],
  features: [],
  featuresFromPartialList: false,
  evidence: {},
});

/** Empty HAP signals. */
export const emptyHap = (): XlDmesgHap => ({ detected: false, disabled: false, notDetected: false, pageSizes: [], evidence: {} });

const FIRMWARE_DISABLED = [
  'VMX disabled by BIOS',
  'VMX disabled by Feature Control MSR',
  'VMXON failed',
  'unexpected VMXON failure',
  'SVM Extension is disabled in BIOS',
  'VMX (outside TXT) disabled by BIOS',
  'VMX (inside TXT) disabled by BIOS',
  'VMXON disabled by feature control MSR',
];

/** `4kB, 2MB [disabled], 1GB.` → `['4kB', '2MB [disabled]', '1GB']`. */
export function splitPageSizes(list: string): string[] {
  const trimmed = list.trim().replace(/\.$/, '');
  return trimmed
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
}

/**
 * Read HVM and HAP signals from one trimmed, prefix-stripped line (evidence-spec §2 "HVM" and "HAP").
 * Returns the vendor whose feature list header this line is, if it is one.
 */
export function readHvmHapLine(t: string, ref: EvidenceRef, hvm: XlDmesgHvm, hap: XlDmesgHap): 'vmx' | 'svm' | undefined {
  const enabled = /^HVM: (VMX|SVM) enabled/.exec(t);
  if (enabled) {
    hvm.enabled = enabled[1] === 'VMX' ? 'vmx' : 'svm';
    hvm.evidence.enabled = ref;
    return undefined;
  }
  if (t.startsWith('VMX: Supported advanced features:') || t.startsWith('SVM: Supported advanced features:')) {
    const vendor = t.startsWith('VMX') ? 'vmx' : 'svm';
    hvm.featuresVendor = vendor;
    hvm.features = [];
    hvm.featuresFromPartialList = false;
    hvm.evidence.features = ref;
    return vendor;
  }
  if (t.includes('VMX') || t.includes('SVM')) {
    if (FIRMWARE_DISABLED.some((n) => t.includes(n))) hvm.disabledByFirmware.push(ref);
    if (t.includes('VMX: failed to initialise') || t.includes('SVM: failed to initialise')) hvm.failedToInitialise.push(ref);
    if (t.includes('VMX: CPU') && t.includes('has insufficient')) hvm.insufficientControls.push(ref);
  }
  if (t.startsWith('HVM: Hardware Assisted Paging')) {
    if (t.includes('not detected')) {
      hap.notDetected = true;
      hap.evidence.notDetected = ref;
    } else if (t.includes('detected')) {
      hap.detected = true;
      hap.evidence.detected = ref;
      if (t.includes('but disabled')) {
        hap.disabled = true;
        hap.evidence.disabled = ref;
      }
    }
  } else if (t.startsWith('HVM: HAP page sizes:')) {
    hap.pageSizes = splitPageSizes(t.slice('HVM: HAP page sizes:'.length));
    hap.evidence.pageSizes = ref;
  }
  return undefined;
}
