/** Firmware identity as the knowledge base needs it (same shape as `facts.firmware`). */
export type { FirmwareFacts } from '../../evidence/src/host-facts/types';
