export { tokenizeCmdline, normalizeOptionName, parseXenBool, MAX_CMDLINE_CHARS } from './tokenize';
export type { CmdlineToken, TokenizedCmdline } from './tokenize';
export { parseXenCommandline } from './xen-commandline';
export type { XenCommandline, XenIommuParam, XenDom0IommuParam, IvrsOverride } from './xen-commandline';
export { parseProcCmdline } from './proc-cmdline';
export type { ProcCmdline } from './proc-cmdline';
