export * from './habitat-register';
