export * from './habitat-register';
export * from './tables';
