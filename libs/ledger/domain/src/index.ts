export * from './commitment/commitment.events';
export * from './commitment/commitment.commands';
export * from './commitment/commitment.state';
export * from './commitment/commitment.decide';
export * from './governance/meeting';
export * from './labels';
export * from './financing/financing-plan';
export * from './commitment/warning-view';
