/**
 * Host facts: every evidence parser run over one evidence directory, reduced to the compact,
 * JSON-serialisable `snapshot.facts` that the verdict rules read.
 */
export { buildHostFacts } from './build';
export { acpiContextFromXenLog, tableBytes, tableFacts, acpiSignatureOf, DMAR_PRIORITY } from './acpi';
export { mergePci, vfBdfs, routingId } from './pci';
export { xlInfoFacts, xenLogFacts, commandlineFacts } from './xen';
export type * from './types';
