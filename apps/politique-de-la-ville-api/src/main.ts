import { startService } from '@erbm/shared/api';
import { AppModule } from './app.module';

void startService(AppModule, {
  title: 'politique-de-la-ville-api',
  description: "The Politique de la ville team's API: its operations, each financer's commitment to them, meetings and decisions.",
});
