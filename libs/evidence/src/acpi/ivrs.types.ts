import type { Finding } from '../common';
import type { AcpiHeader } from './header';
import type { HexAddress } from './bytes';

/** Decoded AMD I/O Virtualization Reporting Structure (IVRS), AMD IOMMU spec §5, Linux `drivers/iommu/amd/init.c`. */
export interface IvrsTable {
  kind: 'IVRS';
  foundAs: string;
  header: AcpiHeader;
  capturedLength: number;
  checksumValid: boolean | undefined;
  /**
   * True when every record up to `header.length` was read. When false (truncated capture, broken record
   * length), "X is missing" checks are skipped: what is missing may sit in the unread part.
   */
  walkComplete: boolean;
  ivinfo: IvrsInfo;
  blocks: IvrsBlock[];
  /** Structural findings from decoding; semantic checks come from `checkIvrs`. */
  findings: Finding[];
}

/** IVinfo (u32 at 36): bit0 EFRSup, bit1 pre-boot DMA remap, [7:5] GVA size, [14:8] PA size, [21:15] VA size. */
export interface IvrsInfo {
  raw: number;
  efrSupported: boolean;
  dmaRemapSupport: boolean;
  gvaSize: number;
  physicalAddressSize: number;
  virtualAddressSize: number;
}

/** IVHD device entry kinds by type byte: 0 PAD, 1 ALL, 2 SELECT, 3 START, 4 END, 42h ALIAS_SELECT, 43h ALIAS_START, 46h EXT_SELECT, 47h EXT_START, 48h SPECIAL, F0h ACPI_HID. */
export type IvhdEntryKind = 'PAD' | 'ALL' | 'SELECT' | 'START' | 'END' | 'ALIAS_SELECT' | 'ALIAS_START' | 'EXT_SELECT' | 'EXT_START' | 'SPECIAL' | 'ACPI_HID' | 'UNKNOWN';

/** One IVHD device entry; length is `4 << (type >> 6)` except F0h (22 + UID length). */
export interface IvhdDeviceEntry {
  offset: number;
  type: number;
  kind: IvhdEntryKind;
  length: number;
  /** Device ID (bus<<8 | dev<<3 | fn), and as `bb:dd.f`. */
  devid: number;
  bdf: string;
  /** DTE setting byte (INITPass, EIntPass, NMIPass, SysMgt, Lint0/1Pass). */
  data: number;
  /** ALIAS entries: the device ID used in its place. */
  aliasDevid?: number;
  /** EXT entries: the extended data dword (bit31 ATS disabled). */
  extData?: number;
  /** SPECIAL entries: 1 IOAPIC, 2 HPET; `handle` is the IOAPIC ID / HPET number; `specialDevid` the requester ID used for it. */
  variety?: number;
  varietyName?: 'IOAPIC' | 'HPET' | 'UNKNOWN';
  handle?: number;
  specialDevid?: number;
  specialBdf?: string;
  /** ACPI_HID entries (F0h): _HID, _CID and _UID of the ACPI device. */
  hid?: string;
  cid?: string;
  uid?: string;
}

interface IvrsBlockBase {
  offset: number;
  type: number;
  flags: number;
  length: number;
  devid: number;
  /** Index among blocks of the same family, for evidence fields (`IVHD[1].deviceEntries[3]`, `IVMD[0]`). */
  index: number;
}

/** I/O Virtualization Hardware Definition (10h legacy, 11h/40h with EFR; 40h adds ACPI HID entries). */
export interface IvrsIvhd extends IvrsBlockBase {
  family: 'IVHD';
  capOffset: number;
  mmioBase: HexAddress;
  segment: number;
  /** IOMMU info: [4:0] MSI number, [12:8] UnitID. */
  info: number;
  /** 10h: IOMMU feature reporting dword; 11h/40h: IOMMU attributes dword. */
  attributes: number;
  /** 11h/40h: the Extended Feature Register image (and EFR2 for 40h on newer firmware). */
  efr?: HexAddress;
  efr2?: HexAddress;
  entries: IvhdDeviceEntry[];
}

/** I/O Virtualization Memory Definition (20h all devices, 21h one device, 22h a device range); 32 bytes. */
export interface IvrsIvmd extends IvrsBlockBase {
  family: 'IVMD';
  unity: boolean;
  readable: boolean;
  writeable: boolean;
  exclusionRange: boolean;
  auxData: number;
  segment: number;
  startAddress: HexAddress;
  memoryLength: HexAddress;
}

/** A block type this decoder does not know (skipped by its length, as Linux does). */
export interface IvrsUnknownBlock extends IvrsBlockBase {
  family: 'UNKNOWN';
}

/** Any IVRS block. */
export type IvrsBlock = IvrsIvhd | IvrsIvmd | IvrsUnknownBlock;
