import { HabitatApiModule } from '@erbm/habitat/api';
import { serviceModule } from '@erbm/shared/api';

export const AppModule = serviceModule([HabitatApiModule]);
