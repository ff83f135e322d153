import type { FirmwareFacts } from '../facts-firmware';

/**
 * Known firmware bugs by board and BIOS, as data, each backed by a capture in the shared corpus
 * (`corpus` names the file). Used to explain table findings and IOMMU verdicts; never to override evidence.
 * `board` matches (case-insensitive substring) the DMI product name, board name or their combination;
 * `biosVersions`, when given, restricts the entry to those BIOS versions (exact, trimmed).
 */
export interface FirmwareBugInfo {
  id: string;
  vendor: string;
  board: string;
  biosVersions?: readonly string[];
  table: 'DMAR' | 'IVRS';
  /** The finding code family this bug produces. */
  symptom: string;
  note: string;
  corpus: string;
}

/** The known firmware bugs; add an entry only with a corpus capture that shows it. */
export const FIRMWARE_BUGS: readonly FirmwareBugInfo[] = [
  {
    id: 'dell-xps13-9310-dmar-address0',
    vendor: 'Dell',
    board: 'XPS 13 9310',
    biosVersions: ['1.1.1'],
    table: 'DMAR',
    symptom: 'DMAR_DRHD_BASE_ZERO',
    note: 'BIOS 1.1.1 reports a DRHD at address 0 ("Your BIOS is broken; DMAR reported at address 0"): update the BIOS.',
    corpus: 'H_linux_dmesg_fwbug/dell_xps13_9310_dmar_address0.dmesg.txt',
  },
  {
    id: 'lenovo-t450s-rmrr',
    vendor: 'LENOVO',
    board: 'ThinkPad T450s',
    biosVersions: ['JBET73WW (1.37 )', 'JBET73WW (1.37)'],
    table: 'DMAR',
    symptom: 'DMAR_RMRR_NOT_RESERVED',
    note: 'An RMRR (0x9d800000-0x9fffffff) is not in firmware-reserved memory: devices in its scope cannot be passed through safely; update the BIOS.',
    corpus: 'H_linux_dmesg_fwbug/lenovo_thinkpad_t450s_rmrr_fwbug.dmesg.txt',
  },
  {
    id: 'supermicro-x9dri-rmrr',
    vendor: 'Supermicro',
    board: 'X9DRi-LN4+',
    biosVersions: ['3.4'],
    table: 'DMAR',
    symptom: 'DMAR_RMRR_NOT_RESERVED',
    note: 'BIOS 3.4 (11/20/2019) declares an RMRR outside reserved memory.',
    corpus: 'H_linux_dmesg_fwbug/supermicro_x9dri_ln4f_rmrr_fwbug.dmesg.txt',
  },
  {
    id: 'lenovo-ideapad-flex15-drhd0',
    vendor: 'LENOVO',
    board: '20309',
    table: 'DMAR',
    symptom: 'DMAR_DRHD_BASE_ZERO',
    note: 'The IdeaPad Flex 15 (20309) DMAR has a DRHD with register base 0; Xen fails to parse the DMAR and disables VT-d.',
    corpus: 'E_acpi_dmar_ivrs/lenovo_ideapadflex15_20309_BROKEN.dmar.txt',
  },
  {
    id: 'hp-compaq-6730b-rmrr-zero',
    vendor: 'Hewlett-Packard',
    board: 'Compaq 6730b',
    table: 'DMAR',
    symptom: 'DMAR_RMRR_INVALID',
    note: 'The 6730b DMAR has an RMRR with base 0 and end 0 and no IO-APIC scope: no interrupt remapping.',
    corpus: 'E_acpi_dmar_ivrs/hp_compaq_6730b_BROKEN.dmar.txt',
  },
  {
    id: 'gigabyte-f2a78m-hd2-no-sb-ioapic',
    vendor: 'Gigabyte',
    board: 'F2A78M-HD2',
    table: 'IVRS',
    symptom: 'IVRS_NO_SOUTHBRIDGE_IOAPIC',
    note: 'The IVRS has no IO-APIC special entry: Xen disables the IOMMU unless ivrs_ioapic[<id>]=00:14.0 is on the Xen command line.',
    corpus: 'E_acpi_dmar_ivrs/gigabyte_f2a78m_hd2_BROKEN.ivrs.txt',
  },
  {
    id: 'asus-prime-x399a-ioapic',
    vendor: 'ASUSTeK',
    board: 'PRIME X399-A',
    table: 'IVRS',
    symptom: 'IVRS_IOAPIC_MISSING',
    note: 'IOAPIC[130] is missing from the IVRS: add an ivrs_ioapic[] override or update the BIOS.',
    corpus: 'H_linux_dmesg_fwbug/asus_prime_x399a_tr1950x_ivrs_ioapic130.txt',
  },
  {
    id: 'pcengines-apu2-no-ivrs',
    vendor: 'PC Engines',
    board: 'apu2',
    table: 'IVRS',
    symptom: 'IVRS_ABSENT',
    note: 'PC Engines apu2 coreboot releases before v4.8.0.x ship no IVRS ("AMD-Vi: IOMMU not found!"): the GX-412TC has an IOMMU; update the coreboot firmware.',
    corpus: 'B_xl_dmesg/pcengines_apu2_xen4.8.3_amdvi_not_found.xl_dmesg.txt',
  },
];

const norm = (s: string | undefined): string => (s ?? '').trim().toLowerCase();

/** Known firmware bugs that match this host's DMI identity (and BIOS version, when the entry names one). */
export function findFirmwareBugs(fw: FirmwareFacts | undefined, table?: 'DMAR' | 'IVRS'): FirmwareBugInfo[] {
  if (!fw) return [];
  const ident = [fw.productName, fw.boardName, fw.sysVendor, fw.boardVendor].map(norm).join(' | ');
  const vendor = `${norm(fw.sysVendor)} ${norm(fw.boardVendor)}`;
  return FIRMWARE_BUGS.filter(
    (b) =>
      (table === undefined || b.table === table) &&
      ident.includes(b.board.toLowerCase()) &&
      vendor.includes(b.vendor.toLowerCase().split(' ')[0]!) &&
      (b.biosVersions === undefined || b.biosVersions.some((v) => norm(v) === norm(fw.biosVersion))),
  );
}
