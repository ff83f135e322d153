export * from './snapshot';
export * from './verdicts';
export * from './json-safety';
