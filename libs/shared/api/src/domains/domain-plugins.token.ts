/**
 * The registry of the domains a process serves, as injected (`DomainsModule.forRoot`). Apart from domain-plugin.ts so
 * that what that module imports (the imports machinery) can inject it without a cycle.
 */
export const DOMAIN_PLUGINS = Symbol('DOMAIN_PLUGINS');
