import { HabitatApiModule, HabitatDemoSeeder } from '@erbm/habitat/api';
import { HabitatRegisterProjection } from '@erbm/habitat/read-models';
import { LedgerRegisterProjection } from '@erbm/ledger/read-models';
import { SgarApiModule } from '@erbm/sgar/api';
import { ProjectionsModule, serviceModule } from '@erbm/shared/api';

/**
 * All services in one process: the zero-setup default, on the embedded database unless DATABASE_URL is set. The
 * projections run here too; on the embedded database their transactions queue with the API's on the one connection.
 */
export const AppModule = serviceModule(
  [
    HabitatApiModule,
    ProjectionsModule.forRoot([new LedgerRegisterProjection(), new HabitatRegisterProjection()], { run: process.env.ERBM_RUN_PROJECTIONS !== 'false', exclusive: true }),
    SgarApiModule,
  ],
  [HabitatDemoSeeder],
);
