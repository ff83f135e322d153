export { parseXlInfo } from './parse-xl-info';
export type { XlInfo, XlInfoField } from './xl-info.types';
export { decodeHwCaps } from './hw-caps';
export type { HwCaps } from './hw-caps';
export { parseXenCommandline } from '../cmdline';
export type { XenCommandline } from '../cmdline';
