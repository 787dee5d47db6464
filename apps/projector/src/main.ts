import { Module } from '@nestjs/common';
import { allProjections } from '@erbm/domains';
import { ProjectionsModule, serviceModule, startService } from '@erbm/shared/api';

/** Follows the global log and keeps the read models of the ledger and of every registered domain; serves only its health and metrics. */
@Module({
  imports: [
    ProjectionsModule.forRoot(allProjections(), {
      run: true,
      exclusive: true,
      batchSize: Number(process.env.ERBM_PROJECTOR_BATCH_SIZE ?? 2_000),
    }),
  ],
})
class ProjectorModule {}

void startService(serviceModule([ProjectorModule]), {
  title: 'projector',
  description: 'Projections of the ERBM event log into the PostgreSQL read models: health and metrics.',
});
