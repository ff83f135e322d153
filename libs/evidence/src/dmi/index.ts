export { parseDmiFiles } from './parse-dmi-files';
export { parseDmidecode } from './parse-dmidecode';
export { CHASSIS_TYPES, isDmiPlaceholder } from './dmi-values';
export type { DmiFirmware, DmiIdentity } from './dmi.types';
