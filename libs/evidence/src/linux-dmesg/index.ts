export { parseLinuxDmesg } from './parse-linux-dmesg';
export type { LinuxDmesg, LinuxDmar, LinuxAmdVi, LinuxBiosInfo } from './linux-dmesg.types';
export { stripLinuxPrefix } from './linux-line';
