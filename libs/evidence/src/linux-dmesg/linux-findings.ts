import { EvidenceRef, FindingSeverity } from '../common';
import { FindingCollector, parseAcpiChecksumWarning } from '../xl-dmesg';

const BIOS = 'Update the BIOS, or report the broken table to the board vendor.';

interface LinuxRule {
  code: string;
  severity: FindingSeverity;
  needles: string[];
  message: (t: string) => string;
}

/**
 * The Linux `[Firmware Bug]` and IOMMU firmware messages of evidence-spec §3 (L drivers/iommu/intel/dmar.c,
 * iommu.c, drivers/iommu/amd/init.c), each with a stable code and remediation. Matching is by substring, so
 * the DMAR:/AMD-Vi:/[Firmware Bug]: prefixes may be in any of their historic orders or missing (grep output).
 */
const RULES: LinuxRule[] = [
  {
    code: 'LINUX_DMAR_ADDRESS_ZERO',
    severity: 'error',
    needles: ['Your BIOS is broken; DMAR reported at address'],
    message: (t) =>
      t.includes('returns all ones')
        ? `A DMAR unit's registers read all ones (the DRHD points at nothing); VT-d is disabled. ${BIOS}`
        : `The DMAR table has a DRHD with register base 0; the kernel rejects the table and VT-d and interrupt remapping are off. ${BIOS}`,
  },
  { code: 'LINUX_DMAR_RHSA_BAD', severity: 'warning', needles: ['RHSA refers to non-existent DMAR unit'], message: () => `A DMAR RHSA entry names a DMAR unit that does not exist (NUMA hint ignored). ${BIOS}` },
  { code: 'LINUX_DMAR_ANDD_NOT_TERMINATED', severity: 'error', needles: ['ANDD object name is not NUL-terminated'], message: () => `A DMAR ANDD entry has an unterminated ACPI name. ${BIOS}` },
  {
    code: 'LINUX_DMAR_BAD_RMRR',
    severity: 'error',
    needles: ['Your BIOS is broken; bad RMRR'],
    message: () => `An RMRR region is not page-aligned, ends before it starts, or is not E820-reserved; the kernel ignores it, which can break devices (USB, GPU) that DMA into it. ${BIOS}`,
  },
  {
    code: 'LINUX_DMAR_RMRR_NOT_RESERVED',
    severity: 'error',
    needles: ['No firmware reserved region can cover this RMRR'],
    message: () => `An RMRR region is not covered by a firmware-reserved E820 range (on Xen: "RMRR … not in reserved memory"). ${BIOS}`,
  },
  { code: 'LINUX_DMAR_NO_DRHD', severity: 'error', needles: ['No DRHD structure found in DMAR table'], message: () => `The DMAR table has no DRHD (no IOMMU unit): VT-d cannot work. ${BIOS}` },
  { code: 'LINUX_DMAR_RECORD_PASSES_END', severity: 'error', needles: ['Record passes table end'], message: () => `A DMAR sub-structure runs past the end of the table. ${BIOS}` },
  { code: 'LINUX_DMAR_RMRR_DEVICE_BROKEN', severity: 'warning', needles: ['RMRR entry for device', 'is broken'], message: () => `An RMRR device scope is broken; the kernel applied a workaround. ${BIOS}` },
  { code: 'LINUX_DMAR_INVALID_HAW', severity: 'error', needles: ['Invalid DMAR haw'], message: () => `The DMAR table has an invalid host address width; VT-d is disabled. ${BIOS}` },
  { code: 'LINUX_DMAR_PARSE_FAILED', severity: 'error', needles: ['Parse DMAR table failure'], message: () => `The kernel could not parse the DMAR table; VT-d and interrupt remapping are off. ${BIOS}` },
  { code: 'LINUX_IVRS_INVALID_CHECKSUM', severity: 'error', needles: ['IVRS invalid checksum'], message: () => `The IVRS table checksum is wrong (corrupt or edited table; in a kdump kernel it can be the first kernel's fault). ${BIOS}` },
  { code: 'LINUX_IVHD_INVALID_DEVICE_TYPE', severity: 'error', needles: ['Invalid IVHD device type'], message: () => `The IVRS table has an IVHD device entry of an unknown type. ${BIOS}` },
  { code: 'LINUX_AMDVI_INCONSISTENT_EFR', severity: 'warning', needles: ['Found inconsistent EFR'], message: () => `The IVRS EFR values disagree with the IOMMU's registers. ${BIOS}` },
  { code: 'LINUX_AMDVI_CANNOT_RESERVE_MMIO', severity: 'error', needles: ['Can not reserve memory region'], message: () => `The AMD IOMMU MMIO region overlaps another resource (a BIOS bug); the IOMMU is not used. ${BIOS}` },
  { code: 'LINUX_AMDVI_CANNOT_RESERVE_MMIO', severity: 'error', needles: ['This is a BIOS bug. Please contact your hardware vendor'], message: () => `The AMD IOMMU MMIO region overlaps another resource (a BIOS bug); the IOMMU is not used. ${BIOS}` },
  {
    code: 'LINUX_IVRS_NO_SOUTHBRIDGE_IOAPIC',
    severity: 'error',
    needles: ['No southbridge IOAPIC found'],
    message: () => 'The IVRS table does not describe the southbridge IO-APIC; interrupt remapping is disabled (Xen turns the whole AMD IOMMU off). Work around with ivrs_ioapic[<id>]=00:14.0 (Linux and Xen), and ask for a BIOS update.',
  },
  { code: 'LINUX_AMDVI_INTREMAP_DISABLED', severity: 'warning', needles: ['AMD-Vi: Disabling interrupt remapping'], message: () => 'The AMD IOMMU driver disabled interrupt remapping because of IVRS bugs: passthrough is only safe for trusted guests.' },
];

const IOAPIC = /IOAPIC\[(\d{1,5})\] not in IVRS table/;

/** Apply every Linux finding rule to one prefix-stripped line; returns the IO-APIC id of an `IOAPIC[n] not in IVRS table` line. */
export function collectLinuxFindings(t: string, ref: EvidenceRef, out: FindingCollector): number | undefined {
  let matched = false;
  for (const rule of RULES) {
    if (!rule.needles.every((n) => t.includes(n))) continue;
    out.add(rule.code, rule.severity, rule.message(t), ref);
    matched = true;
  }
  let ioapic: number | undefined;
  const m = t.includes('not in IVRS table') ? IOAPIC.exec(t) : null;
  if (m) {
    ioapic = parseInt(m[1], 10);
    out.add(
      'LINUX_IVRS_IOAPIC_MISSING',
      'error',
      `IO-APIC ${ioapic} is not in the IVRS table, so interrupt remapping cannot cover it (Xen turns the AMD IOMMU off). Work around with ivrs_ioapic[${ioapic}]=<bus:dev.fn> (usually 00:14.0 for the southbridge IO-APIC) on the Linux and Xen command lines, and ask for a BIOS update.`,
      ref,
    );
    matched = true;
  }
  const checksum = parseAcpiChecksumWarning(t);
  if (checksum) {
    out.add('LINUX_ACPI_BAD_CHECKSUM', ['DMAR', 'IVRS', 'RMAD', 'XMAR'].includes(checksum.signature) ? 'error' : 'warning', `The ACPI ${checksum.signature} table has a bad checksum. ${BIOS}`, ref);
    matched = true;
  }
  if (!matched && t.includes('[Firmware Bug]')) {
    out.add('LINUX_FIRMWARE_BUG', 'warning', `The kernel reports a firmware bug: ${t.slice(0, 200)}`, ref);
  }
  return ioapic;
}
