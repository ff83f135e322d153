export * from './connection';
export * from './jobs';
export * from './snapshot-jobs';
export * from './bullmq-fixes';
export * from './evidence-hash';
export * from './canonical-json';
