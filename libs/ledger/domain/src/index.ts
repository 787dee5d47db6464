export * from './shared/errors';
export * from './shared/money';
export * from './shared/dates';
export * from './commitment/commitment.events';
export * from './commitment/commitment.commands';
export * from './commitment/commitment.state';
export * from './commitment/commitment.decide';
export * from './governance/meeting';
