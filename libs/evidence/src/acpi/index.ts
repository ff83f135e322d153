/**
 * ACPI DMAR (Intel VT-d) and IVRS (AMD-Vi) tables: extraction from text dumps, decoding, and the validity
 * checks of evidence-spec §4. Pure: bytes (`Uint8Array`) or text in, typed tables and findings out.
 */
export { hex64, toBigInt, formatBdf, U64_ALL_ONES } from './bytes';
export type { HexAddress } from './bytes';
export { tableFromIaslText, tablesFromAcpidump, bytesFromHex, bytesFromBase64, parseDumpLine, MAX_TABLE_BYTES } from './hex-text';
export { decodeAcpiHeader, byteSum, ACPI_HEADER_LENGTH } from './header';
export type { AcpiHeader } from './header';
export type { AcpiCheckContext, E820Range } from './context';
export { coveredByReserved, isReservedE820Type } from './context';
export { decodeDmar, decodeDeviceScopes, restoreDmarSignature, DMAR_FIXED_LENGTH, DMAR_SIGNATURES, DMAR_MIN_LENGTH } from './dmar';
export type * from './dmar.types';
export { checkDmar } from './dmar-checks';
export { decodeIvrs, IVRS_FIXED_LENGTH, IVHD_HEADER_LENGTH, IVMD_LENGTH } from './ivrs';
export type * from './ivrs.types';
export { checkIvrs, IOAPIC_SB_DEVID } from './ivrs-checks';
export { decodeAcpiTable, tableSha256 } from './table';
export type { AcpiTableReport } from './table';
export { MAX_FINDINGS_PER_TABLE } from './sink';
