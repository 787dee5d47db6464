export * from './tables';
export * from './migrations';
export { LEDGER_REGISTER, LedgerRegisterProjection, type ProjectedDomain, projectionsOf } from './ledger-register.projection';
export * from './queries';
export * from './versions';
export * from './programme-register';
export * from './register-scope';
export * from './warnings';
export { ReadScopeGate, type ScopedCommitment, type ScopedDomain } from './read-scope-gate';
