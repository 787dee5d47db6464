import { everyDomain } from '@erbm/domains';
import { serviceModule } from '@erbm/shared/api';

/**
 * All services in one process: the zero-setup default, on the embedded database unless DATABASE_URL is set. The
 * projections run here too; on the embedded database their transactions queue with the API's on the one connection.
 */
export const AppModule = serviceModule(
  everyDomain({ projections: { run: process.env.ERBM_RUN_PROJECTIONS !== 'false', exclusive: true }, sgar: true, demo: true }),
);
