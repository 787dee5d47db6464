import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import SwaggerParser from '@apidevtools/swagger-parser';
import type { OpenAPIObject, OperationObject, ParameterObject, ReferenceObject, ResponseObject } from '@nestjs/swagger';
import ts from 'typescript';
import { type Domain, type Role, mintLocalToken } from '@erbm/shared/auth';
import { DOMAINS } from '@erbm/domains';
import { type ErbmProcess, ROOT, startErbm } from './testing/erbm-process';

/** Every service the repository builds: each folder of apps/ with an entry point, as `npm run start:service` knows them. */
const SERVICES = readdirSync(join(ROOT, 'apps')).filter((d) => existsSync(join(ROOT, 'apps', d, 'src', 'main.ts')));
const SECRET = 'openapi-e2e';
const DOMAIN = DOMAINS[0].name;
const ANY_ID = '5b0c0000-0000-4000-8000-000000000000';
const PROBLEM_JSON = 'application/problem+json';
const PROBLEM_REF = '#/components/schemas/Problem';
/** The headers the document must declare wherever the service sends them. */
const HEADERS = ['ETag', 'Idempotent-Replayed', 'Retry-After', 'WWW-Authenticate'];
const WRITES = new Set(['post', 'put', 'patch', 'delete']);

/** Each service as it runs, on its own embedded database in memory, whatever database the suite was given. */
function serviceEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, ERBM_DATA_DIR: 'memory://', ERBM_JWT_SECRET: SECRET, ERBM_DEMO_SEED: 'false' };
  for (const name of ['DATABASE_URL', 'ERBM_EVENT_STORE', 'ERBM_OIDC_ISSUER', 'ERBM_OIDC_AUDIENCE']) delete env[name];
  return env;
}

const token = (role: Role) => mintLocalToken({ secret: SECRET, role, userId: `openapi-${role}`, organisation: 'Test organisation' });

interface Operation {
  method: string;
  path: string;
  op: OperationObject;
}

function operationsOf(doc: OpenAPIObject): Operation[] {
  return Object.entries(doc.paths).flatMap(([path, item]) =>
    Object.entries(item)
      .filter(([method]) => ['get', 'put', 'post', 'delete', 'patch'].includes(method))
      .map(([method, op]) => ({ method, path, op: op as OperationObject })),
  );
}

function deref<T>(doc: OpenAPIObject, value: T | ReferenceObject | undefined): T | undefined {
  if (!value || !('$ref' in (value as object))) return value as T | undefined;
  const [, , kind, name] = (value as ReferenceObject).$ref.split('/');
  return (doc.components as Record<string, Record<string, T>>)[kind]?.[name];
}

const parametersOf = (doc: OpenAPIObject, op: OperationObject) => (op.parameters ?? []).map((p) => deref<ParameterObject>(doc, p) as ParameterObject);
const isPublic = (op: OperationObject) => Array.isArray(op.security) && op.security.length === 0;

/** What every operation of its kind may answer: the problems of any call with a token, of a write, of what it takes. */
function problemsExpected(doc: OpenAPIObject, { method, op }: Operation): number[] {
  if (isPublic(op)) return [];
  const parameters = parametersOf(doc, op);
  const statuses = [401, 403, 503];
  if (parameters.some((p) => p.in === 'path')) statuses.push(404);
  if (WRITES.has(method)) statuses.push(400, 409, 413, 422, ...(op.requestBody ? [415] : []));
  else if (parameters.some((p) => p.in === 'query')) statuses.push(400);
  return statuses;
}

interface Answer {
  status: number;
  headers: Headers;
  body: unknown;
}

async function call(baseUrl: string, method: string, path: string, options: { token?: string; body?: string; contentType?: string } = {}): Promise<Answer> {
  const headers: Record<string, string> = {};
  if (options.token) headers.authorization = `Bearer ${options.token}`;
  if (options.body !== undefined) headers['content-type'] = options.contentType ?? 'application/json';
  const response = await fetch(`${baseUrl}${path}`, { method: method.toUpperCase(), headers, body: options.body });
  const text = await response.text();
  const json = response.headers.get('content-type')?.includes('json') && text ? JSON.parse(text) : text;
  return { status: response.status, headers: response.headers, body: json };
}

/** What is wrong in the document about one answer the service gave: its status, its problem, a header it sent. */
function undocumented(doc: OpenAPIObject, { method, path, op }: Operation, what: string, answer: Answer): string[] {
  const where = `${method.toUpperCase()} ${path} (${what}): ${answer.status}`;
  const response = deref<ResponseObject>(doc, op.responses[answer.status]);
  if (!response) return [`${where} is not documented (${Object.keys(op.responses).join(', ')})`];
  const faults: string[] = [];
  if (answer.status >= 400) {
    const body = answer.body as { type?: unknown; title?: unknown; status?: unknown };
    if (!answer.headers.get('content-type')?.startsWith(PROBLEM_JSON)) faults.push(`${where} is not ${PROBLEM_JSON}`);
    if (typeof body?.type !== 'string' || typeof body.title !== 'string' || body.status !== answer.status)
      faults.push(`${where}: not a problem ${JSON.stringify(body)}`);
    if ((response.content?.[PROBLEM_JSON]?.schema as ReferenceObject | undefined)?.$ref !== PROBLEM_REF)
      faults.push(`${where} is documented without the problem schema`);
  }
  for (const header of HEADERS)
    if (answer.headers.has(header) && !Object.keys(response.headers ?? {}).includes(header)) faults.push(`${where} sends ${header}, which is not documented`);
  return faults;
}

/**
 * A client a team would write from the document alone: openapi-fetch over the types openapi-typescript generates. It
 * must compile as is; each call under `@ts-expect-error` breaks what the document says, and must not compile.
 */
const CLIENT = `import createClient from 'openapi-fetch';
import type { components, paths } from './erbm-api';

type Problem = components['schemas']['Problem'];
const api = createClient<paths>({ baseUrl: 'http://localhost:3000', headers: { Authorization: 'Bearer token' } });
const why = (problem: Problem): string => \`\${problem.status} \${problem.rule ?? (problem.errors ?? []).map((e) => \`\${e.field}: \${e.reason}\`).join(', ')}\`;

export async function walkThrough(operationId: string, meetingId: string, commitmentId: string): Promise<string | undefined> {
  const domain = '${DOMAIN}';
  const decided = await api.POST('/meetings/{id}/decisions', {
    params: { path: { id: meetingId }, header: { 'Idempotency-Key': 'cp-2024-03-1' } },
    body: { decisionId: 'CP-2024-03-1', subject: 'Cité 9 à Liévin', outcome: 'approved', amounts: [{ financer: 'etat', fundingLine: 'etat-p135', amount: '450 000,00' }] },
  });
  if (decided.error) return why(decided.error);
  const announced = await api.POST('/{domain}/operations/{operationId}/commitments', {
    params: { path: { domain, operationId } },
    body: { financer: 'etat', fundingLine: 'etat-p135', amountCents: 45_000_000_00, date: '2024-02-01' },
  });
  if (announced.error) return why(announced.error);
  const path = { domain, id: commitmentId };
  const programmed = await api.POST('/{domain}/commitments/{id}/programme', {
    params: { path },
    body: { amount: '450 000', date: '14/03/2024', decision: { meetingId, decisionId: 'CP-2024-03-1' } },
  });
  if (programmed.error) return why(programmed.error);
  const committed = await api.POST('/{domain}/commitments/{id}/commit', {
    params: { path, header: { 'If-Match': programmed.response.headers.get('ETag') ?? undefined } },
    body: {
      amount: '450 000',
      date: '2024-04-02',
      legalAct: { kind: 'ej', reference: '2104567890', date: '2024-04-02' },
      sourceDocument: { kind: 'ej', reference: 'EJ 2104567890' },
    },
  });
  if (committed.error) return why(committed.error);
  const paid = await api.POST('/{domain}/commitments/{id}/pay', {
    params: { path, header: { 'Idempotency-Key': 'dp-2024-000123' } },
    body: { amount: '180 000,00', kind: 'advance', guarantee: false, reference: 'DP 2024-000123', date: '15/05/2024' },
  });
  if (paid.error) return why(paid.error);
  const read = await api.GET('/{domain}/commitments/{id}', { params: { path, query: { asKnownAt: '2024-06-01T00:00:00Z' } } });
  return read.error ? why(read.error) : (read.response.headers.get('Idempotent-Replayed') ?? read.response.headers.get('ETag') ?? undefined);
}

export async function refusedByTheDocument(id: string): Promise<void> {
  const path = { domain: '${DOMAIN}', id };
  // @ts-expect-error a payment says its kind
  await api.POST('/{domain}/commitments/{id}/pay', { params: { path }, body: { amount: '1', reference: 'DP 1', date: '2024-05-15' } });
  // @ts-expect-error a payment's kind is advance, interim or balance
  await api.POST('/{domain}/commitments/{id}/pay', { params: { path }, body: { amount: '1', kind: 'deposit', reference: 'DP 1', date: '2024-05-15' } });
  // @ts-expect-error a legal act is of a known kind
  await api.POST('/{domain}/commitments/{id}/commit', { params: { path }, body: { amount: '1', date: '2024-04-02', legalAct: { kind: 'contrat', reference: '1', date: '2024-04-02' } } });
  // @ts-expect-error a source document names its reference
  await api.POST('/{domain}/commitments/{id}/certify', { params: { path }, body: { amount: '1', date: '2024-04-02', reference: 'SF 1', sourceDocument: { kind: 'service-fait' } } });
  // @ts-expect-error programming money by an act names the act
  await api.POST('/{domain}/commitments/{id}/programme', { params: { path }, body: { amount: '1', date: '2024-03-14', act: {} } });
  // @ts-expect-error the decision names its meeting
  await api.POST('/{domain}/commitments/{id}/programme', { params: { path }, body: { amount: '1', date: '2024-03-14', decision: { decisionId: 'D-1' } } });
  // @ts-expect-error a decision's amounts are a list
  await api.POST('/{domain}/meetings/{id}/decisions', { params: { path }, body: { subject: 'S', outcome: 'approved', amounts: { financer: 'etat' } } });
  // @ts-expect-error no such step
  await api.POST('/{domain}/commitments/{id}/approve', { params: { path }, body: {} });
  // @ts-expect-error the commitment is named in the path
  await api.POST('/{domain}/commitments/{id}/close', { params: { path: { domain: '${DOMAIN}' } }, body: { date: '2024-12-31' } });
  // @ts-expect-error a problem's status is a number
  await api.GET('/{domain}/commitments/{id}', { params: { path } }).then(({ error }) => error && error.status.toUpperCase());
}
`;

/** The diagnostics of compiling `file` strictly, as a client project would. */
function compile(file: string): string {
  const program = ts.createProgram([file], {
    strict: true,
    noEmit: true,
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.ESNext,
    moduleResolution: ts.ModuleResolutionKind.Bundler,
    lib: ['lib.es2022.d.ts', 'lib.dom.d.ts'],
    types: [],
    skipLibCheck: true,
  });
  const host = { getCanonicalFileName: (f: string) => f, getCurrentDirectory: () => ROOT, getNewLine: () => '\n' };
  return ts.formatDiagnostics(ts.getPreEmitDiagnostics(program), host);
}

describe('the OpenAPI document of every service, as a client generator reads it', () => {
  const running = new Map<string, ErbmProcess>();
  const docs = new Map<string, OpenAPIObject>();
  let work: string;

  beforeAll(async () => {
    await Promise.all(SERVICES.map(async (service) => running.set(service, await startErbm(serviceEnv(), service))));
    for (const [service, process] of running) {
      const answer = await fetch(`${process.baseUrl}/docs-json`);
      expect([service, answer.status]).toEqual([service, 200]);
      docs.set(service, (await answer.json()) as OpenAPIObject);
    }
    // Inside the repository (tmp/ is ignored), so that the client compiles against the installed openapi-fetch.
    mkdirSync(join(ROOT, 'tmp'), { recursive: true });
    work = mkdtempSync(join(ROOT, 'tmp', 'openapi-'));
  });
  afterAll(async () => {
    await Promise.all([...running.values()].map((p) => p.stop()));
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it('covers the all-in-one process and each service of its own', () => {
    expect(SERVICES).toEqual(expect.arrayContaining(['erbm', 'habitat-api', 'sgar-api']));
  });

  it.each(SERVICES)('%s: is a valid OpenAPI document, every reference resolved (swagger-parser)', async (service) => {
    await expect(SwaggerParser.validate(structuredClone(docs.get(service)) as never)).resolves.toBeDefined();
    expect(JSON.stringify(docs.get(service))).not.toMatch(/#\/components\/schemas\/"/);
  });

  it.each(SERVICES)('%s: every operation documents the problems of its kind as problem+json, and its headers', (service) => {
    const doc = docs.get(service) as OpenAPIObject;
    const faults: string[] = [];
    const operations = operationsOf(doc);
    expect(operations.length).toBeGreaterThan(0);
    for (const operation of operations) {
      const { method, path, op } = operation;
      const where = `${method.toUpperCase()} ${path}`;
      for (const status of problemsExpected(doc, operation)) {
        const response = deref<ResponseObject>(doc, op.responses[status]);
        if (!response) faults.push(`${where}: no ${status}`);
        else if ((response.content?.[PROBLEM_JSON]?.schema as ReferenceObject | undefined)?.$ref !== PROBLEM_REF)
          faults.push(`${where}: ${status} is not a problem`);
      }
      const headersOf = (status: string) => Object.keys(deref<ResponseObject>(doc, op.responses[status])?.headers ?? {});
      if (op.responses[401] && !headersOf('401').includes('WWW-Authenticate')) faults.push(`${where}: 401 without WWW-Authenticate`);
      if (op.responses[503] && !headersOf('503').includes('Retry-After')) faults.push(`${where}: 503 without Retry-After`);
      const names = parametersOf(doc, op)
        .filter((p) => p.in === 'header')
        .map((p) => p.name);
      const successes = Object.keys(op.responses).filter((s) => s.startsWith('2'));
      if (WRITES.has(method) && !isPublic(op)) {
        if (!names.includes('Idempotency-Key')) faults.push(`${where}: no Idempotency-Key`);
        for (const s of successes) if (!headersOf(s).includes('Idempotent-Replayed')) faults.push(`${where}: ${s} without Idempotent-Replayed`);
      }
      if (names.includes('If-Match')) for (const s of successes) if (!headersOf(s).includes('ETag')) faults.push(`${where}: takes If-Match, ${s} without ETag`);
    }
    expect(faults).toEqual([]);
    const ifMatch = operations.filter(({ op }) => parametersOf(doc, op).some((p) => p.name === 'If-Match')).length;
    if (service !== 'sgar-api' && service !== 'projector') expect(ifMatch).toBeGreaterThanOrEqual(15);
  });

  it.each(SERVICES)('%s: what the service answers is what its document says: every status, every problem, every header', async (service) => {
    const doc = docs.get(service) as OpenAPIObject;
    const { baseUrl } = running.get(service) as ErbmProcess;
    const faults: string[] = [];
    let checked = 0;
    const check = async (operation: Operation, what: string, options: Parameters<typeof call>[3]) => {
      const path = operation.path.replace('{domain}', DOMAIN).replace(/\{[^}]+\}/g, ANY_ID);
      faults.push(...undocumented(doc, operation, what, await call(baseUrl, operation.method, path, options)));
      checked++;
    };
    for (const operation of operationsOf(doc)) {
      const write = WRITES.has(operation.method);
      if (!isPublic(operation.op)) await check(operation, 'no token', write ? { body: '{}' } : {});
      await check(operation, 'admin', { token: token('admin'), ...(write ? { body: '{}' } : {}) });
      if (!write || isPublic(operation.op)) continue;
      await check(operation, 'auditor writing', { token: token('auditor'), body: '{}' });
      await check(operation, 'a body too large', { token: token('admin'), body: JSON.stringify({ reason: 'x'.repeat(1_100_000) }) });
      if (operation.op.requestBody) await check(operation, 'a body that is not JSON', { token: token('admin'), body: 'amount=1', contentType: 'text/plain' });
    }
    expect(faults).toEqual([]);
    expect(checked).toBeGreaterThan(operationsOf(doc).length);
  });

  it('erbm: a write, its retry and a read send ETag and Idempotent-Replayed where the document says', async () => {
    const doc = docs.get('erbm') as OpenAPIObject;
    const { baseUrl } = running.get('erbm') as ErbmProcess;
    const byPath = (method: string, path: string) => operationsOf(doc).find((o) => o.method === method && o.path === path) as Operation;
    const editor = mintLocalToken({ secret: SECRET, role: 'editor', domain: DOMAIN as Domain, userId: 'openapi-editor', organisation: 'Test organisation' });
    const body = JSON.stringify(DOMAINS[0].samples.operationRequest({ name: 'Opération du document', communeInsee: '62510', date: '2024-02-01' }));
    const register = byPath('post', `/${DOMAIN}/operations`);
    const first = await fetch(`${baseUrl}/${DOMAIN}/operations`, {
      method: 'POST',
      headers: { authorization: `Bearer ${editor}`, 'content-type': 'application/json', 'idempotency-key': 'openapi-register' },
      body,
    });
    const again = await fetch(`${baseUrl}/${DOMAIN}/operations`, {
      method: 'POST',
      headers: { authorization: `Bearer ${editor}`, 'content-type': 'application/json', 'idempotency-key': 'openapi-register' },
      body,
    });
    const answers = [first, again].map((r) => ({ status: r.status, etag: r.headers.get('etag'), replayed: r.headers.get('idempotent-replayed') }));
    expect(answers).toEqual([
      { status: 201, etag: '"0"', replayed: null },
      { status: 201, etag: '"0"', replayed: 'true' },
    ]);
    const read = await call(baseUrl, 'get', first.headers.get('location') as string, { token: editor });
    expect([read.status, read.headers.get('etag')]).toEqual([200, '"0"']);
    expect([
      ...undocumented(doc, register, 'first', { status: first.status, headers: first.headers, body: null }),
      ...undocumented(doc, register, 'retry', { status: again.status, headers: again.headers, body: null }),
      ...undocumented(doc, byPath('get', `/${DOMAIN}/operations/{id}`), 'read', read),
    ]).toEqual([]);
  });

  it('erbm: openapi-typescript generates the types of a client that compiles against the routes, and refuses what the document forbids', async () => {
    const run = promisify(execFile);
    const cli = join(ROOT, 'node_modules', 'openapi-typescript', 'bin', 'cli.js');
    for (const service of SERVICES) {
      writeFileSync(join(work, `${service}.json`), JSON.stringify(docs.get(service)));
      await run(process.execPath, [cli, join(work, `${service}.json`), '--output', join(work, `${service}-api.d.ts`)], {
        env: { ...process.env, NODE_OPTIONS: '' },
      });
    }
    writeFileSync(join(work, 'client.ts'), CLIENT);
    expect(compile(join(work, 'client.ts'))).toBe('');
  });
});
