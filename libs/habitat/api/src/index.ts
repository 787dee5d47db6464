export { HabitatApiModule } from './habitat-api.module';
export { HabitatOperations, type OperationView } from './operations/habitat-operations';
export { seedHabitatDemo, DEMO_ORGANISATION } from './demo/demo-seed';
export { habitatDomain } from './habitat-domain';
