export * from './operation/operation';
export * from './indicators';
export * from './dispositifs';
