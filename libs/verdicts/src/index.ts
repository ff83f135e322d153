/**
 * Pure verdict rules (evidence-spec §9): host facts in, verdicts with reasons and evidence out; the
 * knowledge base (chipsets, SR-IOV devices, firmware bugs); and the snapshot change comparator.
 */
export { computeVerdicts } from './compute';
export { hvmVerdict } from './hvm';
export { hapVerdict } from './hap';
export { iommuVerdict, iommuTablesMissing, iommuExplanations } from './iommu';
export { interruptRemappingVerdict } from './intremap';
export { passthroughVerdict, deviceReadiness } from './passthrough';
export { sriovVerdict } from './sriov';
export { acpiDmarVerdict, acpiIvrsVerdict, acpiTableVerdict, findingTable } from './acpi';
export * from './knowledge';
export * from './compare';
export type { HostFacts } from './facts';
