import { Global, type INestApplication, Module } from '@nestjs/common';
import { APP_FILTER, APP_INTERCEPTOR, APP_PIPE } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { CqrsModule } from '@nestjs/cqrs';
import { TerminusModule } from '@nestjs/terminus';
import { systemClock } from '@erbm/shared/kernel';
import { RequestAdmission } from './admission';
import { CLOCK } from './clock';
import { CommandPath } from './command-path';
import { EventSourcedRepository } from './event-sourcing';
import { HealthController } from './health.controller';
import { documentRoutes } from './http-docs';
import { ClaimOwner } from './idempotency/claim-owner';
import { IdempotencyInterceptor } from './idempotency/idempotency';
import { ProblemDetailsFilter } from './problem-details';
import { validationPipe } from './validation';
import { emptyBodyIsNoBody, requireJsonBody } from './json-body';
import { REFERENTIALS, ReferentialsController, referentialsProvider } from './referentials';

/** Largest JSON body a write accepts; larger ones get 413. */
export const BODY_LIMIT_BYTES = 1_048_576;

/** What every ERBM HTTP service shares: problem+json errors, validation, idempotent writes, the event-sourced repository. */
@Global()
@Module({
  // Readiness: the health controller logs what is down itself, with why.
  imports: [CqrsModule.forRoot(), TerminusModule.forRoot({ logger: false })],
  providers: [
    { provide: APP_PIPE, useFactory: validationPipe },
    { provide: APP_FILTER, useClass: ProblemDetailsFilter },
    ClaimOwner,
    { provide: APP_INTERCEPTOR, useClass: IdempotencyInterceptor },
    EventSourcedRepository,
    CommandPath,
    { provide: CLOCK, useValue: systemClock },
    referentialsProvider,
    RequestAdmission,
  ],
  controllers: [ReferentialsController, HealthController],
  exports: [EventSourcedRepository, CommandPath, CqrsModule, REFERENTIALS, CLOCK, RequestAdmission],
})
export class HttpApiModule {}

export interface OpenApiOptions {
  title: string;
  description: string;
  version?: string;
}

/**
 * Admission control on the embedded database, body size limit and the OpenAPI document (Swagger UI at /docs, JSON at
 * /docs-json). Call before listen().
 */
export function configureHttpApp(app: INestApplication, openApi: OpenApiOptions): void {
  const express = app as NestExpressApplication;
  // First of all: a request refused for load has read nothing, not even its body.
  express.use(app.get(RequestAdmission).middleware);
  express.use(requireJsonBody);
  express.useBodyParser('json', { limit: BODY_LIMIT_BYTES });
  express.use(emptyBodyIsNoBody);
  express.disable('x-powered-by');
  // An ETag here is a revision, to send back as If-Match: Express's own (a weak hash of any body, errors included) is not.
  express.set('etag', false);
  const config = new DocumentBuilder()
    .setTitle(openApi.title)
    .setDescription(openApi.description)
    .setVersion(openApi.version ?? '1')
    // Relative: the service that serves the document, wherever it is reached.
    .addServer('/')
    .addBearerAuth({ type: 'http', scheme: 'bearer', bearerFormat: 'JWT' })
    .addSecurityRequirements('bearer')
    .build();
  SwaggerModule.setup('docs', app, () => documentRoutes(SwaggerModule.createDocument(app, config)));
}
