import type { EvidenceRef, Finding } from '../common';

/**
 * Strings vendors leave in SMBIOS instead of real data. Kept verbatim in the facts (they are what the firmware
 * reports) but flagged, because they make identity keys collide across unrelated machines.
 */
const PLACEHOLDERS = new Set(
  [
    'To be filled by O.E.M.', 'To Be Filled By O.E.M.', 'Default string', 'System manufacturer', 'System Product Name',
    'System Version', 'Not Applicable', 'Not Available', 'O.E.M.', 'OEM', 'None', '0123456789', 'x.x', 'Unknown',
    'Type1ProductConfigId', 'Base Board Manufacturer', 'Base Board Product Name', 'INVALID', 'N/A', 'Default',
    'System Serial Number', 'Chassis Manufacture', 'Chassis Version',
  ].map((s) => s.toLowerCase()),
);

/** Whether a DMI string is a known vendor placeholder (compared case-insensitively). */
export function isDmiPlaceholder(value: string): boolean {
  return PLACEHOLDERS.has(value.trim().toLowerCase());
}

/** `FirmwareSchema` length limits; longer strings are cut and a finding says so. */
export const FIRMWARE_LIMITS: Record<string, number> = { biosDate: 64, biosRelease: 64 };
const DEFAULT_LIMIT = 256;

/**
 * Normalize one DMI value: trim; whitespace-only becomes undefined; placeholders are kept and flagged;
 * over-long values are cut to the contract's limit and flagged.
 */
export function dmiValue(field: string, raw: string | undefined, ref: EvidenceRef, findings: Finding[]): string | undefined {
  if (typeof raw !== 'string') return undefined;
  let v = raw.trim();
  if (v === '') return undefined;
  if (isDmiPlaceholder(v)) {
    findings.push({
      code: 'DMI_PLACEHOLDER',
      severity: 'info',
      message: `${field} is the vendor placeholder "${v}", not real identity data.`,
      evidence: [{ ...ref, text: v }],
    });
  }
  const limit = FIRMWARE_LIMITS[field] ?? DEFAULT_LIMIT;
  if (v.length > limit) {
    findings.push({ code: 'DMI_VALUE_TOO_LONG', severity: 'warning', message: `${field} is longer than ${limit} characters and was cut.`, evidence: [ref] });
    v = v.slice(0, limit);
  }
  return v;
}

/** SMBIOS chassis types (DSP0134 §7.4.1) with dmidecode's names, indexed by code. */
export const CHASSIS_TYPES: readonly string[] = [
  '', 'Other', 'Unknown', 'Desktop', 'Low Profile Desktop', 'Pizza Box', 'Mini Tower', 'Tower', 'Portable', 'Laptop',
  'Notebook', 'Hand Held', 'Docking Station', 'All In One', 'Sub Notebook', 'Space-saving', 'Lunch Box',
  'Main Server Chassis', 'Expansion Chassis', 'Sub Chassis', 'Bus Expansion Chassis', 'Peripheral Chassis',
  'RAID Chassis', 'Rack Mount Chassis', 'Sealed-case PC', 'Multi-system', 'CompactPCI', 'AdvancedTCA', 'Blade',
  'Blade Enclosing', 'Tablet', 'Convertible', 'Detachable', 'IoT Gateway', 'Embedded PC', 'Mini PC', 'Stick PC',
];
