export * from './referentials';
export { parseCsv, parseCsvRecords } from './csv';
