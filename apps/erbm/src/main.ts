import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { AppModule } from './app.module';

async function bootstrap(): Promise<void> {
  const app = await NestFactory.create(AppModule);
  app.enableShutdownHooks();
  const port = Number(process.env.PORT ?? 3000);
  await app.listen(port);
  const mode = process.env.DATABASE_URL ? 'PostgreSQL server (DATABASE_URL)' : `embedded PGlite in ${process.env.ERBM_DATA_DIR || '.data/erbm'}`;
  console.log(`ERBM ledger listening on http://localhost:${port} — event store on ${mode}`);
}

void bootstrap();
