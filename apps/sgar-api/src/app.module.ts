import { LedgerRegisterProjection } from '@erbm/ledger/read-models';
import { HabitatRegisterProjection } from '@erbm/habitat/read-models';
import { SgarApiModule } from '@erbm/sgar/api';
import { ProjectionsModule, serviceModule } from '@erbm/shared/api';

/** Reads the read models the projector keeps; runs no projection itself. */
export const AppModule = serviceModule([ProjectionsModule.forRoot([new LedgerRegisterProjection(), new HabitatRegisterProjection()], { run: false }), SgarApiModule]);
