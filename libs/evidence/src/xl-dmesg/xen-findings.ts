import { EvidenceRef, FindingSeverity } from '../common';
import { parseAcpiChecksumWarning } from './acpi-table-line';
import { FindingCollector } from './evidence-line';

/** A rule: a cheap substring test, then an optional message builder that may look at the line. */
interface XenFindingRule {
  code: string;
  severity: FindingSeverity;
  /** Substrings that must all occur in the (prefix-stripped) line. */
  needles: string[];
  message: (body: string) => string | undefined;
}

const BIOS = 'Update the BIOS, or report the broken table to the board vendor.';

const ioapicId = (body: string): string | undefined => /IO-APIC (0x[0-9A-Fa-f]{1,4}|\d{1,4})/.exec(body)?.[1];

/**
 * The DMAR, IVRS and IOMMU error and warning lines Xen prints (evidence-spec §2), each with a stable code
 * and a remediation. Order matters only for readability; every rule is tried on every line.
 */
const RULES: XenFindingRule[] = [
  {
    code: 'XEN_DMAR_PARSE_FAILED',
    severity: 'error',
    needles: ['Failed to parse ACPI DMAR'],
    message: () => `Xen could not parse the ACPI DMAR table and disabled VT-d: no IOMMU, no PCI passthrough. The [VT-D] lines before it name the cause. ${BIOS}`,
  },
  {
    code: 'XEN_DMAR_INVALID_ENTRY_LENGTH',
    severity: 'error',
    needles: ['Invalid ACPI DMAR entry length'],
    message: () => `The DMAR table has a sub-structure with an invalid length; Xen stops parsing it and disables VT-d. ${BIOS}`,
  },
  {
    code: 'XEN_DMAR_INVALID_WIDTH',
    severity: 'error',
    needles: ['Invalid DMAR width'],
    message: () => `The DMAR table reports a host address width of zero; Xen disables VT-d. ${BIOS}`,
  },
  {
    code: 'XEN_DMAR_MULTIPLE_INCLUDE_ALL',
    severity: 'error',
    needles: ['Only one INCLUDE_ALL device scope is allowed'],
    message: () => `The DMAR table has more than one INCLUDE_PCI_ALL DRHD in a segment; Xen rejects it. ${BIOS}`,
  },
  {
    code: 'XEN_DMAR_NONEXISTENT_DEVICE',
    severity: 'warning',
    needles: ['Non-existent device', 'scope'],
    message: () => 'A DMAR DRHD device scope names a PCI device that does not exist (often a disabled on-board device). Usually harmless; a BIOS update may clean it up.',
  },
  {
    code: 'XEN_RMRR_OVERLAP',
    severity: 'error',
    needles: ['Overlapping RMRRs'],
    message: () => `The DMAR table has overlapping RMRR regions; Xen rejects the table. ${BIOS}`,
  },
  {
    code: 'XEN_RMRR_NOT_RESERVED',
    severity: 'warning',
    needles: ['RMRR', 'in reserved memory'],
    message: () =>
      'An RMRR region is not (entirely) in E820-reserved memory (a firmware bug). Xen 4.7–4.13 suggest iommu_inclusive_mapping=1; 4.19+ reject the entry, which can break devices that use it. Update the BIOS.',
  },
  {
    code: 'XEN_RMRR_NOT_RESERVED',
    severity: 'warning',
    needles: ['RMRR: page at', "couldn't be reserved"],
    message: () => 'A page of an RMRR region could not be reserved (the RMRR is outside reserved memory, a firmware bug). Update the BIOS.',
  },
  {
    code: 'XEN_VTD_UNSUPPORTED',
    severity: 'warning',
    needles: ['[VT-D]IOMMU: unsupported'],
    message: () => 'Xen found a VT-d unit it does not support (e.g. an unsupported SAGAW); VT-d may be disabled on it.',
  },
  {
    code: 'XEN_IVRS_ERROR',
    severity: 'error',
    needles: ['AMD-Vi: Error: '],
    message: (b) => `Xen found an error in the ACPI IVRS table (${b.slice(b.indexOf('AMD-Vi: Error: ') + 15, b.indexOf('AMD-Vi: Error: ') + 95).trim()}); the AMD IOMMU may be disabled. ${BIOS}`,
  },
  {
    code: 'XEN_IVRS_ERROR',
    severity: 'error',
    needles: ['AMD-Vi: IVRS Error: '],
    message: () => `Xen found an error in the ACPI IVRS table (debug-mode message of Xen ≤4.15). ${BIOS}`,
  },
  {
    code: 'XEN_IVRS_WARNING',
    severity: 'warning',
    needles: ['AMD-Vi: Warning: '],
    message: (b) => `Xen warns about the ACPI IVRS table (${b.slice(b.indexOf('AMD-Vi: Warning: ') + 17, b.indexOf('AMD-Vi: Warning: ') + 97).trim()}).`,
  },
  {
    code: 'XEN_IVHD_NO_IOAPIC_INFO',
    severity: 'error',
    needles: ['IVHD Error: no information for IO-APIC'],
    message: (b) => {
      const id = ioapicId(b) ?? '<id>';
      return `The IVRS table has no entry for IO-APIC ${id}, so Xen cannot use interrupt remapping and turns the AMD IOMMU off. Work around with ivrs_ioapic[${id}]=<bus:dev.fn> on the Xen command line (the southbridge IO-APIC is usually 00:14.0), and ask for a BIOS update.`;
    },
  },
  {
    code: 'XEN_NO_SOUTHBRIDGE_IOAPIC',
    severity: 'error',
    needles: ['No southbridge IO-APIC found in IVRS table'],
    message: () =>
      'The IVRS table does not describe the southbridge IO-APIC, so Xen turns the AMD IOMMU off. Work around with ivrs_ioapic[<id>]=00:14.0 on the Xen command line (id from the MADT IOAPIC line), and ask for a BIOS update.',
  },
  {
    code: 'XEN_IVHD_TYPE_UNSUPPORTED',
    severity: 'error',
    needles: ['Cannot find supported IVHD type'],
    message: () => `The IVRS table has no IVHD block type this Xen supports; the AMD IOMMU stays off. ${BIOS}`,
  },
  {
    code: 'XEN_AMDVI_INIT_ERROR',
    severity: 'error',
    needles: ['AMD-Vi: Error initialization'],
    message: () => 'Xen failed to initialise the AMD IOMMU; it stays off. Check the IVRS lines above and the BIOS IOMMU setting.',
  },
  {
    code: 'XEN_AMDVI_SP5100_ERRATUM',
    severity: 'warning',
    needles: ['SP5100 erratum 28'],
    message: () => 'The SP5100 southbridge erratum 28 is present, so Xen disables the AMD IOMMU. A BIOS update may enable the workaround.',
  },
  {
    code: 'XEN_AMDVI_NO_CMPXCHG16B',
    severity: 'warning',
    needles: ['no CMPXCHG16B support, disabling IOMMU'],
    message: () => 'The CPU lacks CMPXCHG16B, so Xen disables the IOMMU (often a hypervisor running nested with a reduced CPU model).',
  },
  {
    code: 'XEN_AMDVI_GLOBAL_INTREMAP',
    severity: 'warning',
    needles: ['global interrupt remap table is not recommended'],
    message: () => 'Xen uses one global interrupt remapping table (XSA-36): passthrough is only safe for trusted guests. Remove amd-iommu-perdev-intremap=0 / iommu=no-amd-iommu-perdev-intremap.',
  },
  {
    code: 'XEN_IOMMU_REQUIRED_PANIC',
    severity: 'error',
    needles: ["Couldn't enable", 'iommu=required/force'],
    message: () => 'Xen was told the IOMMU is required (iommu=force/required) but could not enable it, and panicked. Enable VT-d/AMD-Vi in the BIOS or fix the firmware tables.',
  },
  {
    code: 'XEN_AMDVI_DEVICE_NOT_IN_IVRS',
    severity: 'info',
    needles: ['not found in ACPI tables; using same IOMMU as function 0'],
    message: () => 'A PCI function is missing from the IVRS table; Xen assumes the IOMMU of function 0 (usually harmless firmware sloppiness).',
  },
  {
    code: 'XEN_AMDVI_IO_PAGE_FAULT',
    severity: 'warning',
    needles: ['AMD-Vi: IO_PAGE_FAULT'],
    message: () => 'The AMD IOMMU blocked DMA from a device (IO_PAGE_FAULT): a device or firmware uses an address the IOMMU does not map (often an RMRR/IVMD missing from the IVRS table).',
  },
];

/** Apply every Xen finding rule to one prefix-stripped line. */
export function collectXenFindings(body: string, ref: EvidenceRef, out: FindingCollector): void {
  for (const rule of RULES) {
    if (!rule.needles.every((n) => body.includes(n))) continue;
    const message = rule.message(body);
    if (message !== undefined) out.add(rule.code, rule.severity, message, ref);
  }
  const checksum = parseAcpiChecksumWarning(body);
  if (checksum) {
    const critical = ['DMAR', 'IVRS', 'RMAD', 'XMAR'].includes(checksum.signature);
    out.add(
      'XEN_ACPI_BAD_CHECKSUM',
      critical ? 'error' : 'warning',
      `The ACPI ${checksum.signature} table has a bad checksum${critical ? '; the IOMMU table is corrupt or was edited' : ''}. ${BIOS}`,
      ref,
    );
  }
}

/** The finding for a log without the `Xen version ` banner. */
export function incompleteFinding(out: FindingCollector): void {
  out.add(
    'XL_DMESG_INCOMPLETE',
    'warning',
    'The xl dmesg capture has no "Xen version" banner: the console ring buffer wrapped or the capture is an excerpt, so a signal missing from it is unknown, not absent. Capture xl dmesg soon after boot, or raise conring_size= on the Xen command line.',
  );
}
