export { parseCpuinfo } from './parse-cpuinfo';
export type { CpuInfo } from './cpuinfo.types';
