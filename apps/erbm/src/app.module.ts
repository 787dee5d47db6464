import { HabitatApiModule, HabitatDemoSeeder } from '@erbm/habitat/api';
import { serviceModule } from '@erbm/shared/api';

/** All services in one process: the zero-setup default, on the embedded database unless DATABASE_URL is set. */
export const AppModule = serviceModule([HabitatApiModule], [HabitatDemoSeeder]);
