export * from './operation/operation';
export * from './indicators';
