export * from './chipsets';
export * from './sriov-devices';
export * from './firmware-bugs';
