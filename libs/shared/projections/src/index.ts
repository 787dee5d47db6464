export * from './projection';
export * from './data-source';
export * from './runner';
export * from './status';
export * from './rebuild';
export * from './transaction-of';
export * from './table';
