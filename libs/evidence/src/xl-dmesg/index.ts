export { parseXlDmesg } from './parse-xl-dmesg';
export type { XlDmesg, XlDmesgHvm, XlDmesgHap, XlDmesgIommu, XlDmesgVtd, XlDmesgAmdVi, VtdFeature, VtdUnit, AcpiChecksumError } from './xl-dmesg.types';
export { parseAcpiTableLine, parseAcpiChecksumWarning } from './acpi-table-line';
export type { AcpiTableEntry, AcpiChecksumWarning } from './acpi-table-line';
export { stripXenPrefix } from './xen-line';
export type { XenLine } from './xen-line';
export { lineRef, FindingCollector, MAX_EVIDENCE_TEXT, MAX_MATCH_CHARS } from './evidence-line';
