import 'reflect-metadata';
import { Body, Controller, Get, HttpCode, type INestApplication, Module, Param, Post, Query } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { ApiQuery, DocumentBuilder, type OpenAPIObject, type OperationObject, type ParameterObject, type ResponseObject, SwaggerModule } from '@nestjs/swagger';
import SwaggerParser from '@apidevtools/swagger-parser';
import { Access, Public } from './auth/auth';
import { Nested, Text, WriteRequest } from './dto';
import { ApiETag, ApiIfMatch, documentRoutes } from './http-docs';

class Part {
  @Text()
  label!: string;
}

class ThingRequest extends WriteRequest {
  @Nested(() => Part)
  part!: Part;
}

@Controller('things')
class ThingsController {
  @Post()
  @Access('write', 'habitat')
  @ApiETag()
  create(@Body() b: ThingRequest) {
    return b;
  }

  @Post(':id/steps')
  @HttpCode(200)
  @Access('write', 'habitat')
  @ApiIfMatch()
  step(@Param('id') id: string, @Body() b: ThingRequest) {
    return { id, ...b };
  }

  @Post('seal')
  @Access('write', 'audit')
  seal() {
    return { sealed: true };
  }

  @Get()
  @Access('read', 'habitat')
  @ApiQuery({ name: 'asOf', required: false })
  list(@Query('asOf') asOf?: string) {
    return { asOf };
  }

  @Get(':id')
  @Access('read', 'habitat')
  @ApiETag()
  show(@Param('id') id: string) {
    return { id };
  }

  @Get('status/health')
  @Public()
  health() {
    return { status: 'ok' };
  }

  @Get('status/live')
  @Public({ alwaysAnswers: true })
  live() {
    return { status: 'ok' };
  }
}

@Module({ controllers: [ThingsController] })
class ThingsModule {}

type Operation = OperationObject & Record<string, unknown>;

describe("a route's OpenAPI operation, from who may call it and what it takes", () => {
  let app: INestApplication;
  let doc: OpenAPIObject;
  const op = (method: 'get' | 'post', path: string) => doc.paths[path][method] as Operation;
  const statuses = (o: Operation) => Object.keys(o.responses).map(Number);
  const params = (o: Operation) =>
    (o.parameters ?? []).map((p) => ('$ref' in p ? (doc.components?.parameters?.[p.$ref.split('/').pop() as string] as ParameterObject).name : p.name));
  const successHeaders = (o: Operation) =>
    Object.entries(o.responses)
      .filter(([status]) => status.startsWith('2'))
      .flatMap(([, r]) => Object.keys((r as ResponseObject).headers ?? {}));

  beforeAll(async () => {
    app = await NestFactory.create(ThingsModule, { logger: false });
    doc = documentRoutes(SwaggerModule.createDocument(app, new DocumentBuilder().setTitle('things').addBearerAuth().addSecurityRequirements('bearer').build()));
  });
  afterAll(() => app.close());

  it('is a valid OpenAPI document whose nested request objects point to their named schemas', async () => {
    await expect(SwaggerParser.validate(structuredClone(doc) as never)).resolves.toBeDefined();
    const schemas = doc.components?.schemas as Record<string, { properties: Record<string, unknown> }>;
    expect(JSON.stringify(schemas.ThingRequest.properties.part)).toContain('"$ref":"#/components/schemas/Part"');
    expect(JSON.stringify(schemas.ThingRequest.properties.sourceDocument)).toContain('"$ref":"#/components/schemas/SourceDocumentRequest"');
    expect(JSON.stringify(doc)).not.toContain('#/components/schemas/"');
  });

  it('a write that creates: the problems of a write with a body, an Idempotency-Key, and its ETag; no 404 without an id', () => {
    const create = op('post', '/things');
    expect(statuses(create)).toEqual([201, 400, 401, 403, 409, 413, 415, 422, 503]);
    expect(params(create)).toEqual(['Idempotency-Key']);
    expect(successHeaders(create)).toEqual(['ETag', 'Idempotent-Replayed']);
  });

  it('a write on one thing at a revision: If-Match, and 404 for a thing that is not there', () => {
    const step = op('post', '/things/{id}/steps');
    expect(statuses(step)).toEqual([200, 400, 401, 403, 404, 409, 413, 415, 422, 503]);
    expect(params(step)).toEqual(['id', 'Idempotency-Key', 'If-Match']);
    expect(successHeaders(step)).toEqual(['ETag', 'Idempotent-Replayed']);
  });

  it('a write without a body: no 415, and no ETag it does not give', () => {
    const seal = op('post', '/things/seal');
    expect(statuses(seal)).toEqual([201, 400, 401, 403, 409, 413, 422, 503]);
    expect(successHeaders(seal)).toEqual(['Idempotent-Replayed']);
  });

  it('reads: 400 only with parameters to get wrong, 404 only with an id, no write headers', () => {
    const list = op('get', '/things');
    expect(statuses(list)).toEqual([200, 400, 401, 403, 503]);
    expect(params(list)).toEqual(['asOf']);
    expect(successHeaders(list)).toEqual([]);
    const show = op('get', '/things/{id}');
    expect(statuses(show)).toEqual([200, 401, 403, 404, 503]);
    expect(successHeaders(show)).toEqual(['ETag']);
  });

  it('public routes need no token and answer no 401 or 403; liveness answers whatever the stores', () => {
    const health = op('get', '/things/status/health');
    expect([health.security, statuses(health)]).toEqual([[], [200, 503]]);
    const live = op('get', '/things/status/live');
    expect([live.security, statuses(live)]).toEqual([[], [200]]);
    expect(op('get', '/things').security).toBeUndefined();
  });

  it('every problem is application/problem+json with the problem schema; 401 and 503 say their headers; stored refusals may be replayed', () => {
    const step = op('post', '/things/{id}/steps');
    for (const [status, response] of Object.entries(step.responses).filter(([s]) => Number(s) >= 400))
      expect([status, (response as ResponseObject).content]).toEqual([
        status,
        { 'application/problem+json': { schema: { $ref: '#/components/schemas/Problem' } } },
      ]);
    const headers = (status: number) => Object.keys((step.responses[status] as ResponseObject).headers ?? {});
    expect([headers(401), headers(503), headers(422), headers(404), headers(400)]).toEqual([
      ['WWW-Authenticate'],
      ['Retry-After'],
      ['Idempotent-Replayed'],
      ['Idempotent-Replayed'],
      [],
    ]);
    expect(doc.components?.schemas?.Problem).toMatchObject({ required: ['type', 'title', 'status'] });
  });

  it('leaves none of the markers it reads in the published document', () => {
    expect(JSON.stringify(doc)).not.toMatch(/x-erbm-/);
  });
});
