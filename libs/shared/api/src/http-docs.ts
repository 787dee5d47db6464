import { ApiExtension, type OpenAPIObject, type OperationObject, type ParameterObject, type ResponseObject, type SchemaObject } from '@nestjs/swagger';
import { PROBLEM_JSON } from './problem-details';

/**
 * What a route's decorators tell its OpenAPI document beyond what Nest sees, as extensions that `documentRoutes` reads
 * and removes: who may call it, and whether it answers with a revision.
 */
const ACCESS_EXTENSION = 'x-erbm-access';
const REVISION_EXTENSION = 'x-erbm-revision';

/** `public`: no token; `always`: no token, and answers whatever the state of the stores (liveness). */
export type DocumentedAccess = 'public' | 'always' | 'read' | 'write';

/** Set by `Access` and `Public`, which every route carries. */
export const DocumentAccess = (access: DocumentedAccess) => ApiExtension(ACCESS_EXTENSION, { access });

/** The answer carries the revision of the thing it shows (`ETag`). On a controller: each of its routes. */
export const ApiETag = () => ApiExtension(REVISION_EXTENSION, { revision: 'etag' });

/** The route changes one thing at a revision: it takes `If-Match` (a stale one gets 409) and answers with the new `ETag`. */
export const ApiIfMatch = () => ApiExtension(REVISION_EXTENSION, { revision: 'if-match' });

/** RFC 9457 problem details as `ProblemDetails` (problem-details.ts) writes them. */
const PROBLEM_SCHEMA: SchemaObject = {
  type: 'object',
  description: 'RFC 9457 problem details; the detail is written for people, in French. More members may follow (e.g. `kind` and `id` of a 404).',
  required: ['type', 'title', 'status'],
  properties: {
    type: { type: 'string', format: 'uri', description: 'Identifies the kind of problem', example: 'https://erbm.gouv.fr/problems/invalid-request' },
    title: { type: 'string' },
    status: { type: 'integer', description: 'The HTTP status' },
    detail: { type: 'string', description: 'What went wrong, for people' },
    instance: { type: 'string', description: 'The path of the request' },
    field: { type: 'string', description: 'The field at fault, where there is one' },
    rule: { type: 'string', description: 'The business rule broken (422): a stable identifier' },
    errors: {
      type: 'array',
      description: 'Every field at fault (400), each with why',
      items: {
        type: 'object',
        required: ['field', 'reason'],
        properties: { field: { type: 'string' }, reason: { type: 'string' } },
      },
    },
  },
  additionalProperties: true,
};

const HEADERS = {
  ETag: { description: 'Revision of the thing answered, quoted ("3"): send it back as If-Match', schema: { type: 'string', example: '"3"' } },
  'Idempotent-Replayed': {
    description: 'Present (true) when the answer is the stored answer to an earlier request with the same Idempotency-Key: nothing more was written',
    schema: { type: 'string', enum: ['true'] },
  },
  'Retry-After': { description: 'Seconds to wait before sending the same request again', schema: { type: 'integer', minimum: 1 } },
  'WWW-Authenticate': { description: 'Why the token was refused (RFC 6750)', schema: { type: 'string' } },
} satisfies Record<string, { description: string; schema: SchemaObject }>;
type Header = keyof typeof HEADERS;

const PARAMETERS = {
  IdempotencyKey: {
    name: 'Idempotency-Key',
    in: 'header',
    required: false,
    description:
      'Makes the write safe to retry: a retry with the same key and the same request gets the first answer again (Idempotent-Replayed) and writes nothing more; the key on another request is 422',
    schema: { type: 'string', minLength: 1, maxLength: 200, pattern: '^[\\x21-\\x7e]+$' },
  },
  IfMatch: {
    name: 'If-Match',
    in: 'header',
    required: false,
    description: 'The ETag (revision) last read: if the thing has changed since, 409 and nothing is written',
    schema: { type: 'string', example: '"3"' },
  },
} satisfies Record<string, ParameterObject>;

const PROBLEMS = {
  400: 'Malformed request, nothing done: `errors` names every field at fault (body, query, path or header), each with why',
  401: 'No bearer token, or one that is not valid',
  403: 'The role of the token may not make this request',
  404: 'Not found: the thing the path names, or the domain, is not here',
  409: 'If-Match names a revision that is no longer the last (read again, then retry), or a request with the same Idempotency-Key is still running: nothing written',
  413: 'Too large: the body, or the events it would write; nothing written',
  415: 'The body is not JSON: send Content-Type application/json',
  422: 'Refused by a business rule (`rule`, `field`), or an Idempotency-Key already used for another request: nothing written',
  503: 'A store cannot be reached, or the embedded database has more work than it can answer in time: nothing written, retry after Retry-After',
} as const;
type ProblemStatus = keyof typeof PROBLEMS;

const PROBLEM_HEADERS: Partial<Record<ProblemStatus, Header[]>> = { 401: ['WWW-Authenticate'], 503: ['Retry-After'] };
/** Final refusals decided inside a write are stored with its Idempotency-Key and replayed like its success (see fateOf). */
const REPLAYED: ProblemStatus[] = [404, 413, 422];

const METHODS = ['get', 'put', 'post', 'delete', 'patch', 'options', 'head', 'trace'] as const;
const WRITES = new Set<string>(['put', 'post', 'delete', 'patch']);

const headerRefs = (names: Header[]) => Object.fromEntries(names.map((name) => [name, { $ref: `#/components/headers/${name}` }]));

function problem(status: ProblemStatus, replayed: boolean): ResponseObject {
  const headers = [...(PROBLEM_HEADERS[status] ?? []), ...(replayed ? (['Idempotent-Replayed'] as const) : [])];
  return {
    description: PROBLEMS[status],
    ...(headers.length ? { headers: headerRefs(headers) } : {}),
    content: { [PROBLEM_JSON]: { schema: { $ref: '#/components/schemas/Problem' } } },
  };
}

/** The problems a route may answer, from who may call it and what it takes. */
function problemsOf(access: DocumentedAccess, operation: OperationObject, write: boolean): ProblemStatus[] {
  if (access === 'always') return [];
  if (access === 'public') return [503];
  const parameters = (operation.parameters ?? []) as ParameterObject[];
  const inPath = parameters.some((p) => p.in === 'path');
  const statuses: ProblemStatus[] = [401, 403, 503];
  if (inPath) statuses.push(404);
  // Every write takes an Idempotency-Key (400 when malformed, 409 while its first request runs, 422 on another request).
  if (write) statuses.push(400, 409, 413, 422, ...(operation.requestBody ? ([415] as const) : []));
  else if (parameters.some((p) => p.in === 'query' || p.in === 'header')) statuses.push(400);
  return statuses.sort((a, b) => a - b);
}

/**
 * Completes the document Nest builds with what every route shares, said once here rather than on each route: the
 * problem responses (application/problem+json) each kind of route may answer, the Idempotency-Key every write takes,
 * If-Match and ETag where a route works on a revision, and Idempotent-Replayed on what a retry may get again.
 */
export function documentRoutes(document: OpenAPIObject): OpenAPIObject {
  const components = (document.components ??= {});
  components.schemas = { ...components.schemas, Problem: PROBLEM_SCHEMA };
  components.headers = { ...components.headers, ...HEADERS };
  components.parameters = { ...components.parameters, ...PARAMETERS };
  for (const item of Object.values(document.paths))
    for (const method of METHODS) {
      const operation = item[method] as (OperationObject & Record<string, unknown>) | undefined;
      if (!operation) continue;
      const access = (operation[ACCESS_EXTENSION] as { access?: DocumentedAccess } | undefined)?.access ?? 'read';
      const revision = (operation[REVISION_EXTENSION] as { revision?: 'etag' | 'if-match' } | undefined)?.revision;
      delete operation[ACCESS_EXTENSION];
      delete operation[REVISION_EXTENSION];
      const write = WRITES.has(method);
      if (access === 'public' || access === 'always') operation.security = [];
      const parameters = (operation.parameters ??= []);
      if (write && access !== 'public' && access !== 'always') parameters.push({ $ref: '#/components/parameters/IdempotencyKey' });
      if (revision === 'if-match') parameters.push({ $ref: '#/components/parameters/IfMatch' });
      for (const [status, response] of Object.entries(operation.responses)) {
        if (!/^2\d\d$/.test(status) || !response || '$ref' in response) continue;
        const headers: Header[] = [...(revision ? (['ETag'] as const) : []), ...(write ? (['Idempotent-Replayed'] as const) : [])];
        if (headers.length) response.headers = { ...response.headers, ...headerRefs(headers) };
      }
      for (const status of problemsOf(access, operation, write)) operation.responses[status] = problem(status, write && REPLAYED.includes(status));
    }
  return document;
}
