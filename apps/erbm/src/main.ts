import { startService } from '@erbm/shared/api';
import { AppModule } from './app.module';

void startService(AppModule, {
  title: 'ERBM ledger',
  description:
    'Engagement pour le Renouveau du Bassin Minier: the commitments of the State and its partners, with their audit trail. All services in one process.',
});
