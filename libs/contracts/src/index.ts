export * from './snapshot';
export * from './verdicts';
