/**
 * Chipsets and their IOMMU support, as data. Used only to EXPLAIN a verdict ("the 890GX chipset has no
 * IOMMU: no BIOS setting will enable it"), never to override evidence.
 *
 * Matching is by the host bridge's PCI `vendor:device` id (lowercase hex) or, when lspci was run without
 * `-nn`, by a case-insensitive substring of the device name as lspci prints it (pci.ids names).
 */
export interface ChipsetInfo {
  /** Marketing name, e.g. "AMD 890GX". */
  name: string;
  vendor: 'amd' | 'intel';
  /** Whether the chipset has an IOMMU: `varies` when it depends on the CPU or the board's firmware. */
  iommu: 'yes' | 'no' | 'varies';
  /** Host-bridge (or IOMMU function) ids, `vvvv:dddd`. */
  pciIds: readonly string[];
  /** Substrings of the lspci device name (pci.ids), lowercase. */
  namePatterns: readonly string[];
  note: string;
}

/** Known chipsets. RD890 = 890FX, RD990/RD970/RX980 = 990FX/990X/970, SR56x0 = server, RS880 = 880G/890GX. */
export const CHIPSETS: readonly ChipsetInfo[] = [
  {
    name: 'AMD 890FX (RD890)',
    vendor: 'amd',
    iommu: 'yes',
    pciIds: ['1002:5a10', '1002:5a11', '1002:5a12'],
    namePatterns: ['rd890 northbridge'],
    note: 'The 890FX (RD890) northbridge has an AMD-Vi IOMMU; many desktop BIOSes ship without an IVRS table or with the option hidden, so a BIOS update or setting ("IOMMU: Enabled") is needed.',
  },
  {
    name: 'AMD 990FX/990X/970 (RD990/RD970/RX980)',
    vendor: 'amd',
    iommu: 'yes',
    pciIds: ['1002:5a14'],
    namePatterns: ['rd9x0', 'rx980'],
    note: 'The 990FX/990X/970 northbridges have an AMD-Vi IOMMU; enable "IOMMU" in the BIOS. Several boards ship IVRS tables that omit the southbridge IO-APIC (use ivrs_ioapic[] or a BIOS update).',
  },
  {
    name: 'AMD SR5690/SR5670/SR5650 (server)',
    vendor: 'amd',
    iommu: 'yes',
    pciIds: ['1002:5a13', '1002:5a23'],
    namePatterns: ['sr5650', 'sr5670', 'sr5690', 'rd890s'],
    note: 'The SR56x0 server northbridges have an AMD-Vi IOMMU (a separate PCI function 00:00.2); SP5100 southbridges can hit erratum 28, which makes Xen disable the IOMMU.',
  },
  {
    name: 'AMD 890GX/880G (RS880)',
    vendor: 'amd',
    iommu: 'no',
    pciIds: ['1002:9601'],
    namePatterns: ['rs880 host bridge'],
    note: 'The 890GX/880G (RS880) chipset has no IOMMU: no BIOS setting or update will enable one.',
  },
  {
    name: 'AMD 870/770/790X (RX880/RX780)',
    vendor: 'amd',
    iommu: 'no',
    pciIds: ['1002:5957'],
    namePatterns: ['rx780/rx790', 'rx880'],
    note: 'The 870/770/790X chipsets have no IOMMU: no BIOS setting or update will enable one.',
  },
  {
    name: 'AMD Zen (integrated IOMMU)',
    vendor: 'amd',
    iommu: 'yes',
    pciIds: ['1022:1451', '1022:1481', '1022:14b5', '1022:149a', '1022:15d1', '1022:1631', '1022:14e9'],
    namePatterns: ['iommu'],
    note: 'AMD Zen processors integrate the IOMMU; enable "IOMMU" (often under AMD CBS / NBIO) in the BIOS.',
  },
  {
    name: 'Intel 5520/5500/X58 (Tylersburg IOH)',
    vendor: 'intel',
    iommu: 'varies',
    pciIds: ['8086:3400', '8086:3403', '8086:3405', '8086:3406'],
    namePatterns: ['5520/5500/x58 i/o hub', '5520 i/o hub', 'x58 i/o hub'],
    note: 'The 5520/5500/X58 IOH has VT-d, but early BIOSes ship broken DMAR tables and some boards hide the option; enable "Intel VT-d" and update the BIOS.',
  },
  {
    name: 'Intel Q35',
    vendor: 'intel',
    iommu: 'yes',
    pciIds: ['8086:29b0'],
    namePatterns: ['82q35'],
    note: 'Q35 supports VT-d; enable it in the BIOS.',
  },
  {
    name: 'Intel Q45/Q43 (Eaglelake)',
    vendor: 'intel',
    iommu: 'yes',
    pciIds: ['8086:2e10', '8086:2e00'],
    namePatterns: ['4 series chipset dram controller'],
    note: 'Q45/Q43 support VT-d (other 4 Series chipsets such as G41/P45 do not); enable VT-d in the BIOS.',
  },
  {
    name: 'Intel G31/G33/P35/P31',
    vendor: 'intel',
    iommu: 'no',
    pciIds: ['8086:29c0'],
    namePatterns: ['82g33/g31/p35/p31'],
    note: 'The G31/G33/P35/P31 chipsets have no VT-d: no BIOS setting or update will enable an IOMMU.',
  },
  {
    name: 'Intel G41/P45/P43 (4 Series consumer)',
    vendor: 'intel',
    iommu: 'no',
    pciIds: ['8086:2e30', '8086:2e20'],
    namePatterns: [],
    note: 'G41/P45/P43 have no VT-d: no BIOS setting or update will enable an IOMMU.',
  },
  {
    name: 'Intel Core/Xeon (integrated VT-d)',
    vendor: 'intel',
    iommu: 'varies',
    pciIds: [],
    namePatterns: ['xeon e5', 'xeon e3', 'core processor dram controller', 'host bridge/dram registers', 'core processor family dram controller', 'sky lake-e dmi3'],
    note: 'On Core and Xeon processors VT-d is in the CPU, but it also needs chipset and BIOS support: enable "VT-d" in the BIOS; some consumer SKUs (e.g. many "K" desktop parts before Skylake) lack it.',
  },
];

/** A PCI function as the knowledge lookups need it. */
export interface PciIdentity {
  vendorId?: string;
  deviceId?: string;
  name?: string;
}

const idOf = (d: PciIdentity): string | undefined =>
  d.vendorId && d.deviceId ? `${d.vendorId.toLowerCase().replace(/^0x/, '')}:${d.deviceId.toLowerCase().replace(/^0x/, '')}` : undefined;

/**
 * The chipset entries matching the given PCI functions (by id first, then by name), deduplicated, in
 * {@link CHIPSETS} order.
 */
export function findChipsets(devices: readonly PciIdentity[]): ChipsetInfo[] {
  const ids = new Set(devices.map(idOf).filter((x): x is string => x !== undefined));
  const names = devices.map((d) => (d.name ?? '').toLowerCase()).filter((n) => n.length > 0);
  return CHIPSETS.filter((c) => c.pciIds.some((id) => ids.has(id)) || c.namePatterns.some((p) => names.some((n) => n.includes(p))));
}
