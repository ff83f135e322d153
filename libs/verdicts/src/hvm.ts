import type { HvmVerdict } from '../../contracts/src/verdicts';
import type { EvidenceRef, HostFacts } from './facts';
import { hasSignal, INCOMPLETE_LOG, isArm, signalRefs, virtCap, xlInfoRef } from './facts';

// What Xen's HVM code logged wins over the CPU vendor, and both win over the IOMMU kind: a VT-d IOMMU names the
// chipset, not the CPU (a real Xen 4.17 dom0 on QEMU q35 + intel-iommu with an AMD CPU logs "HVM: SVM enabled").
const vendorOf = (facts: HostFacts): 'intel' | 'amd' | undefined => {
  if (isArm(facts)) return undefined;
  if (hasSignal(facts, 'hvmVmxEnabled')) return 'intel';
  if (hasSignal(facts, 'hvmSvmEnabled')) return 'amd';
  if (hasSignal(facts, 'vmxDisabledByBios', 'vmxonFailedTxt', 'vmxInsufficient')) return 'intel';
  if (hasSignal(facts, 'svmDisabledByBios')) return 'amd';
  const hw = facts.xlInfo?.hwCaps;
  if (hw?.vmx && !hw.svm) return 'intel';
  if (hw?.svm && !hw.vmx) return 'amd';
  if (facts.cpu?.vendor) return facts.cpu.vendor;
  if (hasSignal(facts, 'vtdPresent')) return 'intel';
  if (hasSignal(facts, 'amdViEnabled')) return 'amd';
  return undefined;
};

const enableHint = (vendor: 'intel' | 'amd' | undefined): string =>
  vendor === 'intel'
    ? 'enable Intel Virtualization Technology (VT-x) in the BIOS setup'
    : vendor === 'amd'
      ? 'enable SVM Mode (AMD-V) in the BIOS setup'
      : 'enable hardware virtualization (Intel VT-x / AMD SVM) in the BIOS setup';

/**
 * HVM verdict, evidence-spec §9 "HVM": `xl info` (`xen_caps` `hvm-3.0-*`, `virt_caps` `hvm`) over the
 * Xen boot log over cpuinfo. Firmware-disabled VMX/SVM lines give `disabled-by-firmware`; a
 * `CONFIG_HVM=n` build (PV caps present, VMX/SVM bit set in `hw_caps`, no hvm token) gives `no`
 * ("xen build"); a wrapped ring buffer gives `unknown`, never `no`. cpuinfo of a PV dom0 is never evidence.
 */
export function hvmVerdict(facts: HostFacts): HvmVerdict {
  const vendor = vendorOf(facts);
  const info = facts.xlInfo;
  const hvmCapsToken = info?.xenCaps?.some((t) => t.startsWith('hvm-3.0-')) ?? false;
  if (hvmCapsToken || virtCap(facts, 'hvm')) {
    const evidence = [...(hvmCapsToken ? xlInfoRef(facts, 'xen_caps') : []), ...(virtCap(facts, 'hvm') ? xlInfoRef(facts, 'virt_caps') : [])];
    return withVendor({ status: 'yes', reasons: ['Xen has HVM enabled: HVM guests can run (xl info).'], evidence: [...evidence, ...signalRefs(facts, 'hvmVmxEnabled', 'hvmSvmEnabled')] }, vendor);
  }
  const infoSaysNoHvm = info !== undefined && (info.xenCaps !== null || info.virtCaps !== null);
  if (!infoSaysNoHvm && hasSignal(facts, 'hvmVmxEnabled', 'hvmSvmEnabled')) {
    return withVendor({ status: 'yes', reasons: ['Xen enabled HVM at boot (xl dmesg).'], evidence: signalRefs(facts, 'hvmVmxEnabled', 'hvmSvmEnabled') }, vendor);
  }
  const infoEvidence = infoSaysNoHvm ? [...xlInfoRef(facts, 'xen_caps'), ...xlInfoRef(facts, 'virt_caps')] : [];

  if (hasSignal(facts, 'vmxDisabledByBios', 'svmDisabledByBios', 'vmxonFailedTxt')) {
    const reasons = [`HVM is disabled by the firmware: ${enableHint(vendor)}, then reboot.`];
    if (hasSignal(facts, 'vmxonFailedTxt')) reasons.push('VMXON failed: check the Intel TXT settings in the BIOS (disable TXT or enable "VT-x inside TXT").');
    return withVendor({ status: 'disabled-by-firmware', reasons, evidence: [...signalRefs(facts, 'vmxDisabledByBios', 'svmDisabledByBios', 'vmxonFailedTxt'), ...infoEvidence] }, vendor);
  }
  if (hasSignal(facts, 'hvmInitFailed', 'vmxInsufficient')) {
    return withVendor(
      {
        status: 'no',
        reasons: [
          'Xen could not initialise VMX/SVM: the CPU lacks a required feature, or Xen itself runs nested under another hypervisor that does not expose them.',
        ],
        evidence: [...signalRefs(facts, 'hvmInitFailed', 'vmxInsufficient'), ...infoEvidence],
      },
      vendor,
    );
  }
  const hw = info?.hwCaps;
  const pvOnlyBuild = info?.xenCaps?.includes('xen-3.0-x86_64') === true && (hw?.vmx === true || hw?.svm === true);
  if (pvOnlyBuild) {
    return withVendor(
      {
        status: 'no',
        reasons: [
          'xen build: this Xen was built without HVM support (CONFIG_HVM=n): the CPU has VMX/SVM (hw_caps) but xen_caps has no hvm-3.0 token. Install a Xen build with HVM enabled.',
        ],
        evidence: [...xlInfoRef(facts, 'xen_caps'), ...xlInfoRef(facts, 'hw_caps')],
      },
      vendor,
    );
  }
  if (facts.xenLog?.complete || (infoSaysNoHvm && isArm(facts))) {
    return withVendor(
      {
        status: 'no',
        reasons: [`Xen did not enable HVM and logged no firmware or CPU cause: the CPU may lack VT-x/AMD-V; otherwise ${enableHint(vendor)}.`],
        evidence: infoEvidence,
      },
      vendor,
    );
  }
  if (infoSaysNoHvm) {
    return withVendor(
      {
        status: 'unknown',
        reasons: [`xl info shows no HVM support, but the cause (BIOS setting, CPU, Xen build) is unknown: ${facts.xenLog ? INCOMPLETE_LOG : 'no xl dmesg was captured'}.`],
        evidence: infoEvidence,
      },
      vendor,
    );
  }
  return cpuinfoFallback(facts, vendor);
}

function cpuinfoFallback(facts: HostFacts, vendor: 'intel' | 'amd' | undefined): HvmVerdict {
  const cpu = facts.cpu;
  const reasons: string[] = [];
  const evidence: EvidenceRef[] = [];
  if (facts.xenLog && !facts.xenLog.complete) reasons.push(INCOMPLETE_LOG);
  if (cpu) {
    const vmx = cpu.flags.includes('vmx') || cpu.flags.includes('svm');
    if (cpu.ref) evidence.push(cpu.ref);
    if (vmx && !cpu.hypervisorFlag && facts.isXenDom0 !== true) {
      return withVendor({ status: 'yes', reasons: ['The CPU reports VT-x/AMD-V enabled (bare-metal cpuinfo); Xen itself was not checked (no xl info).'], evidence }, vendor);
    }
    if (cpu.hypervisorFlag || facts.isXenDom0 === true) {
      reasons.push(
        vmx
          ? 'cpuinfo here is from a domain under a hypervisor (hypervisor flag): its vmx/svm flags say what the CPUID passes through, not what Xen enabled, so it is not evidence; collect `xl info` and `xl dmesg`.'
          : 'cpuinfo in a Xen PV dom0 never shows vmx/svm, so its absence is not evidence: collect `xl info` and `xl dmesg`.',
      );
    }
  }
  if (reasons.length === 0) reasons.push('No Xen evidence (xl info / xl dmesg) was captured.');
  return withVendor({ status: 'unknown', reasons, evidence }, vendor);
}

function withVendor(v: Omit<HvmVerdict, 'vendor'>, vendor: 'intel' | 'amd' | undefined): HvmVerdict {
  return vendor ? { ...v, vendor } : v;
}
