import type { IommuVerdict } from '../../contracts/src/verdicts';
import type { EvidenceRef, HostFacts } from './facts';
import { hasSignal, INCOMPLETE_LOG, isArm, signalRefs, virtCap, xlInfoRef } from './facts';
import { findChipsets, findFirmwareBugs } from './knowledge';

type Kind = 'vt-d' | 'amd-vi';

const kindOf = (facts: HostFacts): Kind | undefined => {
  if (isArm(facts)) return undefined;
  if (hasSignal(facts, 'vtdPresent', 'dmarParseFailed', 'dmarInvalidEntryLength')) return 'vt-d';
  if (hasSignal(facts, 'amdViEnabled', 'ivhdError', 'noSouthbridgeIoapic', 'sp5100Erratum', 'amdViError')) return 'amd-vi';
  if (facts.acpi.dmar && !facts.acpi.ivrs) return 'vt-d';
  if (facts.acpi.ivrs && !facts.acpi.dmar) return 'amd-vi';
  // Last resort on x86: Intel CPUs pair with VT-d, AMD CPUs with AMD-Vi.
  const hw = facts.xlInfo?.hwCaps;
  const vendor = hw?.vmx && !hw.svm ? 'intel' : hw?.svm && !hw.vmx ? 'amd' : facts.cpu?.vendor;
  return vendor === 'intel' ? 'vt-d' : vendor === 'amd' ? 'amd-vi' : undefined;
};

const FIRMWARE_SIGNALS = ['dmarParseFailed', 'sp5100Erratum', 'ivhdError', 'noSouthbridgeIoapic', 'amdViError', 'noCmpxchg16b'] as const;

/** Plain-words explanation from the knowledge base: chipset IOMMU support and known firmware bugs. */
export function iommuExplanations(facts: HostFacts): string[] {
  const out = findChipsets(facts.pci.devices).map((c) => c.note);
  for (const b of findFirmwareBugs(facts.firmware)) out.push(`Known firmware bug on ${b.vendor} ${b.board}: ${b.note}`);
  return out;
}

/** True when the evidence lists the ACPI tables and none of DMAR/RMAD/XMAR/IVRS is among them. */
export function iommuTablesMissing(facts: HostFacts): boolean {
  if (!facts.acpi.inventoryKnown || facts.acpi.dmar || facts.acpi.ivrs) return false;
  return !facts.acpi.tablesSeen.some((t) => ['DMAR', 'RMAD', 'XMAR', 'IVRS'].includes(t));
}

/**
 * IOMMU verdict, evidence-spec §9 "IOMMU": `virt_caps` `hvm_directio`/`pv_directio` or
 * `I/O virtualisation enabled` is `yes`; `iommu=0|no|off|false` on the Xen command line is
 * `disabled-by-admin`; no DMAR/RMAD/XMAR/IVRS table, `Failed to parse ACPI DMAR`, SP5100 erratum,
 * `IVHD Error`, `No southbridge IO-APIC` or `AMD-Vi: Error:` is `disabled-by-firmware`; otherwise `no` when
 * the evidence is complete, else `unknown`. Kind from `Intel VT-d iommu` / `AMD-Vi: IOMMU N Enabled.`
 */
export function iommuVerdict(facts: HostFacts): IommuVerdict {
  const kind = kindOf(facts);
  const withKind = (v: IommuVerdict): IommuVerdict => (kind ? { ...v, kind } : v);
  const cmd = facts.xenCommandline;
  const directio = virtCap(facts, 'hvm_directio', 'pv_directio');
  if (directio || hasSignal(facts, 'iommuEnabled')) {
    const reasons = [`Xen enabled the IOMMU${kind ? ` (${kind === 'vt-d' ? 'Intel VT-d' : 'AMD-Vi'})` : ''}: PCI passthrough is possible.`];
    if (facts.xenLog?.dom0Mode) reasons.push(`Dom0 mode: ${facts.xenLog.dom0Mode}.`);
    return withKind({
      status: 'yes',
      reasons,
      evidence: [...(directio ? xlInfoRef(facts, 'virt_caps') : []), ...signalRefs(facts, 'iommuEnabled', 'vtdPresent', 'amdViEnabled')],
    });
  }
  if (cmd?.iommuDisabledByAdmin) {
    return withKind({
      status: 'disabled-by-admin',
      reasons: ['The IOMMU is turned off on the Xen command line (iommu=0/no/off/false): remove that option or set iommu=1, then reboot.'],
      evidence: cmd.ref ? [cmd.ref] : [{ source: 'xl-info.txt', field: 'xen_commandline' }],
    });
  }
  const hvmName = kind === 'amd-vi' ? 'AMD IOMMU (AMD-Vi)' : kind === 'vt-d' ? 'VT-d' : 'VT-d (Intel) or the IOMMU (AMD)';
  const firmwareSignals = signalRefs(facts, ...FIRMWARE_SIGNALS);
  if (!isArm(facts) && (firmwareSignals.length > 0 || iommuTablesMissing(facts))) {
    const reasons: string[] = [];
    const evidence: EvidenceRef[] = [...firmwareSignals, ...signalRefs(facts, 'iommuDisabled', 'amdViNotFound')];
    if (iommuTablesMissing(facts)) {
      reasons.push(`The firmware provides no DMAR or IVRS table: enable ${hvmName} in the BIOS setup; if there is no such setting, the chipset may have no IOMMU or a BIOS update may be needed.`);
    }
    if (hasSignal(facts, 'dmarParseFailed')) reasons.push('Xen rejected the DMAR table ("Failed to parse ACPI DMAR") and disabled VT-d: a firmware bug; update the BIOS (see the acpiDmar findings).');
    if (hasSignal(facts, 'noSouthbridgeIoapic', 'ivhdError')) {
      reasons.push(
        cmd?.ivrsIoapicOverride
          ? 'The IVRS table lacks the southbridge IO-APIC and the ivrs_ioapic[] override on the Xen command line did not fix it: check the IO-APIC id and BDF (usually 00:14.0), or update the BIOS.'
          : 'The IVRS table lacks the southbridge IO-APIC, so Xen turned the IOMMU off: add ivrs_ioapic[<IO-APIC id>]=00:14.0 to the Xen command line, or update the BIOS.',
      );
    }
    if (hasSignal(facts, 'sp5100Erratum')) reasons.push('The SP5100 southbridge has erratum 28, so Xen disables the IOMMU: a BIOS update may apply the vendor workaround.');
    if (hasSignal(facts, 'amdViError')) reasons.push('Xen found errors in the IVRS table (AMD-Vi: Error): update the BIOS (see the acpiIvrs findings).');
    if (hasSignal(facts, 'noCmpxchg16b')) reasons.push('The CPU lacks CMPXCHG16B, which Xen needs for the IOMMU.');
    reasons.push(...iommuExplanations(facts));
    return withKind({ status: 'disabled-by-firmware', reasons, evidence });
  }
  const disabledRefs = signalRefs(facts, 'iommuDisabled', 'amdViNotFound');
  const definite = facts.xlInfo?.virtCaps != null || disabledRefs.length > 0 || facts.xenLog?.complete === true;
  if (definite) {
    const reasons = isArm(facts)
      ? ['Xen did not enable an SMMU: check that the device tree or IORT describes the SMMU and that Xen is built with its driver.']
      : [`Xen did not enable an IOMMU: enable ${hvmName} in the BIOS and add iommu=1 to the Xen command line.`, ...iommuExplanations(facts)];
    return withKind({ status: 'no', reasons, evidence: [...xlInfoRef(facts, 'virt_caps'), ...disabledRefs] });
  }
  const reasons: string[] = [];
  if (facts.xenLog && !facts.xenLog.complete) reasons.push(INCOMPLETE_LOG);
  if (!facts.xlInfo && !facts.xenLog) reasons.push('No Xen evidence (xl info / xl dmesg) was captured; a PV dom0 kernel never shows DMAR/AMD-Vi messages or IOMMU groups.');
  if (reasons.length === 0) reasons.push('The evidence does not say whether Xen enabled an IOMMU.');
  return withKind({ status: 'unknown', reasons, evidence: [] });
}
