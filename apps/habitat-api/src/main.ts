import { startService } from '@erbm/shared/api';
import { AppModule } from './app.module';

void startService(AppModule, {
  title: 'habitat-api',
  description: "The habitat team's API: rehabilitation of mining dwellings, each financer's commitment, meetings and decisions.",
});
