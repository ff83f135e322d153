import type { Finding } from '../common';

/**
 * Firmware strings as the firmware reports them, trimmed. Structurally identical to `Firmware` from
 * libs/contracts `FirmwareSchema` (evidence imports nothing of ours; a spec checks the two stay in step).
 */
export interface DmiFirmware {
  biosVendor?: string;
  biosVersion?: string;
  biosDate?: string;
  /** SMBIOS BIOS major.minor release: sysfs `bios_release`, dmidecode `BIOS Revision`. */
  biosRelease?: string;
  boardVendor?: string;
  boardName?: string;
  sysVendor?: string;
  productName?: string;
}

/**
 * Host identity from SMBIOS/DMI. `firmware` has exactly the shape of `FirmwareSchema` (libs/contracts):
 * identity key (`sysVendor`, `productName`, `boardVendor`, `boardName`) and firmware key (`biosVendor`,
 * `biosVersion`, `biosDate`, `biosRelease`), evidence-spec §8.
 */
export interface DmiIdentity {
  firmware: DmiFirmware;
  productVersion?: string;
  productFamily?: string;
  productSku?: string;
  boardVersion?: string;
  /** Chassis type name as dmidecode prints it (`Rack Mount Chassis`); sysfs codes are translated. */
  chassisType?: string;
  /** SMBIOS chassis type code (sysfs `chassis_type`, e.g. 23). */
  chassisTypeCode?: number;
  chassisVendor?: string;
  /** Root-only serials and UUID: passed through exactly as given (the agent hashes them before sending). */
  productSerial?: string;
  productUuid?: string;
  boardSerial?: string;
  chassisSerial?: string;
  findings: Finding[];
}
