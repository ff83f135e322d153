export { compareSnapshots } from './compare';
export { toComparableState } from './state';
export type { ComparableState, TableFingerprint, VerdictStatuses } from './state';
export { CHANGE_EVENT_TYPES, MIRROR_EVENT } from './events';
export type { ChangeEvent, ChangeEventType, ChangeSeverity } from './events';
