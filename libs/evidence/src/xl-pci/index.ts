export { parsePciAssignableList, parseXlPciList } from './parse-xl-pci';
export type { AssignablePciDevice, GuestPciDevice } from './parse-xl-pci';
