export { parseLspci } from './parse-lspci';
export { normalizeBdf, parseLspciHeader } from './lspci-header';
export type { LspciHeader } from './lspci-header';
export type { LspciAcs, LspciAts, LspciDevice, LspciResult, LspciSriov } from './lspci.types';
