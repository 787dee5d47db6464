export { DOMAINS } from './registry';
export * from './composition';
