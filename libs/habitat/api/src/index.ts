export { HabitatApiModule } from './habitat-api.module';
export { HabitatOperations, type OperationView } from './operations/operations';
