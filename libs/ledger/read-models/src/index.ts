export * from './tables';
export * from './migrations';
export { LEDGER_REGISTER, LedgerRegisterProjection, type ProjectedDomain, projectionsOf } from './ledger-register.projection';
export * from './queries';
export * from './versions';
export { fundingLineUse, type FundingLineUse, type FundingLineYears } from './funding-line-years';
export { envelopesOf, listedEnvelopes, loadEnvelope, type OpenEnvelope } from './envelopes';
