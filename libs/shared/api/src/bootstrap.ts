import 'reflect-metadata';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { type DynamicModule, Logger, Module, type Type } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { DataFolderInUseError, assertDataFolderFree } from '@erbm/shared/event-store';
import { AuthModule } from './auth/auth';
import { ConfigurationError, type EventStoreConfig, EventStoreModule, eventStoreConfigFromEnv } from './event-store.module';
import { HttpApiModule, type OpenApiOptions, configureHttpApp } from './http-api.module';

/** The root module of a service: the event store from the environment, tokens, the shared HTTP layer, its features. */
export function serviceModule(features: (Type<unknown> | DynamicModule)[], providers: Type<unknown>[] = []): Type<unknown> {
  @Module({ imports: [EventStoreModule.forRoot(), AuthModule.forRoot(), HttpApiModule, ...features], providers })
  class ServiceModule {}
  return ServiceModule;
}

const SECOND_SERVER =
  "Un seul processus par dossier de données : si c'est un serveur, utilisez-le ou arrêtez-le d'abord ; sinon attendez qu'il finisse, ou donnez un autre dossier (ERBM_DATA_DIR).";

/** Starts a service on PORT (default 3000) and says where its database, its docs and its tokens are. */
export async function startService(root: Type<unknown>, openApi: OpenApiOptions): Promise<void> {
  // Refused before Nest starts, which would print its own stack around the one line that says what to set.
  let config: EventStoreConfig;
  try {
    config = eventStoreConfigFromEnv();
  } catch (error) {
    if (!(error instanceof ConfigurationError)) throw error;
    process.stderr.write(`${error.message}\n`);
    process.exitCode = 1;
    return;
  }
  const { databaseUrl, dataDir } = config;
  if (!databaseUrl && !dataDir.startsWith('memory://')) {
    // Checked before Nest starts, which would print its own stack around the refusal; the database still takes the
    // lock itself when it opens.
    try {
      assertDataFolderFree(dataDir, SECOND_SERVER);
    } catch (error) {
      if (!(error instanceof DataFolderInUseError)) throw error;
      process.stderr.write(`${error.message}\n`);
      process.exitCode = 1;
      return;
    }
  }
  const app = await NestFactory.create(root, { bodyParser: false });
  app.enableShutdownHooks();
  configureHttpApp(app, openApi);
  await app.listen(Number(process.env.PORT ?? 3000));
  // The port listened on, also when PORT=0 lets the system choose one (a test that starts the server reads it here).
  const { port } = app.getHttpServer().address() as AddressInfo;
  const logger = new Logger(openApi.title);
  logger.log(`listening on http://localhost:${port} (OpenAPI: http://localhost:${port}/docs)`);
  const database = config.databaseUrl ? 'PostgreSQL server (DATABASE_URL)' : `embedded PGlite in ${config.dataDir}`;
  logger.log(
    `event store: ${config.eventStoreConnectionString ? 'EventStoreDB (EVENTSTORE_CONNECTION_STRING)' : database}; read side and idempotency keys: ${database}`,
  );
  logger.log(
    process.env.ERBM_OIDC_ISSUER
      ? `tokens: OIDC issuer ${process.env.ERBM_OIDC_ISSUER}`
      : `tokens: local HS256, secret ${process.env.ERBM_JWT_SECRET ? 'from ERBM_JWT_SECRET' : `in ${join(config.dataDir, 'jwt-secret')}`}; mint one with \`npm run token -- --role editor --domain <domain> --user me --org "DDTM 62"\` (from this checkout, or with the same ${process.env.ERBM_JWT_SECRET ? 'ERBM_JWT_SECRET' : 'ERBM_DATA_DIR'})`,
  );
}
