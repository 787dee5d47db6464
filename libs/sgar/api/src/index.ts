export { SgarApiModule } from './sgar-api.module';
