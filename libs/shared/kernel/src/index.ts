export * from './errors';
export * from './money';
export * from './dates';
export * from './clock';
export * from './domain-seam';
export * from './decider';
export * from './exhaustive';
export * from './identifiers';
