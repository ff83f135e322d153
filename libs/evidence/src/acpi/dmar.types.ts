import type { Finding } from '../common';
import type { AcpiHeader } from './header';
import type { HexAddress } from './bytes';

/**
 * Decoded Intel VT-d DMA Remapping Reporting table (DMAR), VT-d spec chapter 8, ACPICA `actbl1.h`.
 * Xen renames the table after parsing it so dom0 will not use it: `RMAD` (current Xen, same checksum) or `XMAR`
 * (3.x/4.0-era Xen, checksum fixed up); `foundAs` records which signature was read.
 */
export interface DmarTable {
  kind: 'DMAR';
  foundAs: string;
  header: AcpiHeader;
  /** Bytes captured (may differ from `header.length` for a truncated capture). */
  capturedLength: number;
  /** Checksum verdict; undefined when the capture is too short to verify it. */
  checksumValid: boolean | undefined;
  /**
   * True when every record up to `header.length` was read. When false (truncated capture, broken record
   * length), "X is missing" checks are skipped: what is missing may sit in the unread part.
   */
  walkComplete: boolean;
  /** Raw HAW byte; the DMA physical address width is `hawRaw + 1` bits. */
  hawRaw: number;
  hostAddressWidth: number;
  flags: DmarFlags;
  structures: DmarStructure[];
  /** Structural findings from decoding (lengths, truncation, checksum). Semantic checks come from `checkDmar`. */
  findings: Finding[];
}

/** DMAR header flags byte: bit0 INTR_REMAP, bit1 X2APIC_OPT_OUT, bit2 DMA_CTRL_PLATFORM_OPT_IN. */
export interface DmarFlags {
  raw: number;
  intrRemap: boolean;
  x2apicOptOut: boolean;
  dmaCtrlPlatformOptIn: boolean;
}

/** Device scope type names (VT-d §8.3.1): 1 endpoint, 2 bridge, 3 IOAPIC, 4 HPET (MSI capable), 5 ACPI namespace device. */
export type DeviceScopeTypeName = 'PCI_ENDPOINT' | 'PCI_BRIDGE' | 'IOAPIC' | 'HPET' | 'ACPI_NAMESPACE' | 'RESERVED';

/** A device scope entry: `{u8 type; u8 length (6 + 2n); u8 flags; u8 rsvd; u8 enumId; u8 startBus; n × (dev, fn)}`. */
export interface DeviceScope {
  offset: number;
  type: number;
  typeName: DeviceScopeTypeName;
  length: number;
  flags: number;
  /** IOAPIC ID for IOAPIC scopes, HPET number for HPET scopes, ACPI device number for namespace devices. */
  enumId: number;
  startBus: number;
  path: { device: number; function: number }[];
}

interface DmarStructureBase {
  /** Byte offset of the structure in the table. */
  offset: number;
  typeCode: number;
  length: number;
  /** Index among structures of the same kind, as used in evidence fields (`DRHD[0].registerBase`). */
  index: number;
}

/** DMA Remapping Hardware unit Definition (type 0): one IOMMU and the devices behind it. */
export interface DmarDrhd extends DmarStructureBase {
  type: 'DRHD';
  flags: number;
  /** bit0 of flags: this unit handles every PCI device of the segment not listed under another DRHD. */
  includePciAll: boolean;
  /** VT-d 3.x "size" byte: register set size as 2^size 4 KiB pages (reserved, 0, in older tables). */
  size: number;
  segment: number;
  registerBase: HexAddress;
  scopes: DeviceScope[];
}

/** Reserved Memory Region Reporting (type 1): memory the BIOS keeps DMA-ing to; `endAddress` is inclusive. */
export interface DmarRmrr extends DmarStructureBase {
  type: 'RMRR';
  segment: number;
  baseAddress: HexAddress;
  endAddress: HexAddress;
  scopes: DeviceScope[];
}

/** Root port ATS capability Reporting (type 2); flags bit0 ALL_PORTS. */
export interface DmarAtsr extends DmarStructureBase {
  type: 'ATSR';
  flags: number;
  allPorts: boolean;
  segment: number;
  scopes: DeviceScope[];
}

/** Remapping Hardware Static Affinity (type 3): NUMA proximity domain of the DRHD at `baseAddress`. */
export interface DmarRhsa extends DmarStructureBase {
  type: 'RHSA';
  baseAddress: HexAddress;
  proximityDomain: number;
}

/** ACPI Name-space Device Declaration (type 4): ACPI device number → NUL-terminated object name. */
export interface DmarAndd extends DmarStructureBase {
  type: 'ANDD';
  deviceNumber: number;
  name: string;
  nameTerminated: boolean;
}

/** SoC Integrated Address Translation Cache (type 5); flags bit0 ATC_REQUIRED. */
export interface DmarSatc extends DmarStructureBase {
  type: 'SATC';
  flags: number;
  segment: number;
  scopes: DeviceScope[];
}

/** SoC Integrated Device Property reporting (type 6, ACPICA commit af51f730). */
export interface DmarSidp extends DmarStructureBase {
  type: 'SIDP';
  segment: number;
  scopes: DeviceScope[];
}

/** A structure type this decoder does not know (Linux skips these with a warning). */
export interface DmarUnknown extends DmarStructureBase {
  type: 'UNKNOWN';
}

/** Any DMAR remapping structure. */
export type DmarStructure = DmarDrhd | DmarRmrr | DmarAtsr | DmarRhsa | DmarAndd | DmarSatc | DmarSidp | DmarUnknown;
