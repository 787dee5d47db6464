export * from './referentials';
export { placeOf, type Place, type PlaceQuery } from './place';
export { TERRITORY_DEPARTEMENTS, TERRITORY_VALID_FROM, loadTerritorySource, type TerritorySource } from './territory';
export { parseCsv, parseCsvRecords } from './csv';
