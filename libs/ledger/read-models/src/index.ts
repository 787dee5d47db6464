export * from './tables';
export * from './migrations';
export { LEDGER_REGISTER, LedgerRegisterProjection, type ProjectedDomain, projectionsOf } from './ledger-register.projection';
export * from './queries';
export * from './versions';
export * from './beneficiaries/beneficiaries.projection';
export * from './beneficiaries/beneficiary-view';
