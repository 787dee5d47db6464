export * from './entities';
export * from './migrations';
export { LedgerRegisterProjection } from './ledger-register.projection';
export * from './queries';
export * from './versions';
