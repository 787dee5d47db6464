import { startService } from '@erbm/shared/api';
import { AppModule } from './app.module';

void startService(AppModule, {
  title: 'sgar-api',
  description: "The SGAR's consolidated views across domains, and the auditors' reads: totals, drill-down, progress, indicators, CSV exports.",
});
