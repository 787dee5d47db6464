export { domainGenerator, domainNames, RESERVED_DOMAIN_NAMES } from './domain/generator';
export type { DomainGeneratorSchema } from './domain/schema';
