import type { Finding } from '../common';
import { CHASSIS_TYPES, dmiValue } from './dmi-values';
import type { DmiIdentity } from './dmi.types';

/** `/sys/class/dmi/id/<file>` → field of {@link DmiIdentity} (Linux `drivers/firmware/dmi-id.c`). */
const FIRMWARE_FILES = {
  bios_vendor: 'biosVendor',
  bios_version: 'biosVersion',
  bios_date: 'biosDate',
  bios_release: 'biosRelease',
  board_vendor: 'boardVendor',
  board_name: 'boardName',
  sys_vendor: 'sysVendor',
  product_name: 'productName',
} as const;
const OTHER_FILES = {
  product_version: 'productVersion',
  product_family: 'productFamily',
  product_sku: 'productSku',
  board_version: 'boardVersion',
  chassis_vendor: 'chassisVendor',
} as const;
const SERIAL_FILES = {
  product_serial: 'productSerial',
  product_uuid: 'productUuid',
  board_serial: 'boardSerial',
  chassis_serial: 'chassisSerial',
} as const;

/**
 * Read captured `/sys/class/dmi/id/<field>` files, keyed by field name (`bios_vendor`) or path (`dmi/bios_vendor`).
 * The kernel prints each string with a newline and an empty file for an absent string; values are trimmed,
 * whitespace-only means absent, vendor placeholders are kept but flagged. `chassis_type` is the numeric SMBIOS
 * code. Root-only serials (`product_serial`, `product_uuid`, `board_serial`, `chassis_serial`) pass through as given.
 */
export function parseDmiFiles(files: Record<string, string>): DmiIdentity {
  const findings: Finding[] = [];
  const byName = new Map<string, string>();
  for (const [key, value] of Object.entries(files ?? {})) byName.set(key.slice(key.lastIndexOf('/') + 1), value);
  const read = (file: string, field: string) => dmiValue(field, byName.get(file), { source: `dmi/${file}` }, findings);
  const out: DmiIdentity = { firmware: {}, findings };
  for (const [file, field] of Object.entries(FIRMWARE_FILES)) {
    const v = read(file, field);
    if (v !== undefined) out.firmware[field] = v;
  }
  for (const [file, field] of Object.entries(OTHER_FILES)) {
    const v = read(file, field);
    if (v !== undefined) out[field] = v;
  }
  for (const [file, field] of Object.entries(SERIAL_FILES)) {
    const raw = byName.get(file);
    if (typeof raw === 'string' && raw.trim() !== '') out[field] = raw.trim();
  }
  const chassis = byName.get('chassis_type')?.trim();
  if (chassis) {
    const code = /^\d+$/.test(chassis) ? parseInt(chassis, 10) : NaN;
    if (Number.isFinite(code)) {
      out.chassisTypeCode = code;
      if (CHASSIS_TYPES[code]) out.chassisType = CHASSIS_TYPES[code];
    } else {
      out.chassisType = chassis.slice(0, 256);
    }
  }
  return out;
}
