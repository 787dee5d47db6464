import { type ArgumentsHost, Catch, type ExceptionFilter, HttpException, Logger } from '@nestjs/common';
import type { Request, Response } from 'express';
import {
  AppendTooLargeError,
  EventStoreAccessDeniedError,
  InvalidEventError,
  StreamDeletedError,
  type UnreachableStore,
  WriteContendedError,
  WrongExpectedRevisionError,
  unreachableStore,
} from '@erbm/shared/event-store';
import { NotFound, RuleViolation } from '@erbm/shared/kernel';
import { AuthenticationError } from '@erbm/shared/auth';

/** RFC 9457 problem details, with the field at fault and the broken rule where there is one. */
export interface ProblemDetails {
  type: string;
  title: string;
  status: number;
  detail?: string;
  instance?: string;
  /** Every field at fault in a 400, each with why. */
  errors?: { field: string; reason: string }[];
  field?: string;
  /** The business rule a 422 names. */
  rule?: string;
  [extension: string]: unknown;
}

export const PROBLEM_JSON = 'application/problem+json';
const problemType = (slug: string) => `https://erbm.gouv.fr/problems/${slug}`;

/** An error that is already a problem: thrown by guards, pipes and interceptors. */
export class ProblemException extends Error {
  constructor(
    readonly problem: ProblemDetails,
    readonly headers: Record<string, string> = {},
  ) {
    super(problem.detail ?? problem.title);
  }

  static of(status: number, slug: string, title: string, detail?: string, extra: Partial<ProblemDetails> = {}): ProblemException {
    return new ProblemException({ type: problemType(slug), title, status, ...(detail ? { detail } : {}), ...extra });
  }
}

/** A stored answer replayed as it was first given (Idempotency-Key). */
export class ReplayedResponse extends Error {
  constructor(
    readonly status: number,
    readonly body: unknown,
    readonly headers: Record<string, string>,
  ) {
    super('replayed');
  }
}

function isHttpException(error: unknown): error is HttpException {
  return (
    error instanceof HttpException || (typeof (error as HttpException)?.getStatus === 'function' && typeof (error as HttpException)?.getResponse === 'function')
  );
}

interface BodyParserError {
  type?: string;
  status?: number;
  limit?: number;
  message?: string;
}

/** Maps any error to its problem, in one place. Unknown errors are 500 and say nothing of their internals. */
export function toProblem(error: unknown): { problem: ProblemDetails; headers: Record<string, string> } {
  if (error instanceof ProblemException) return { problem: error.problem, headers: error.headers };
  if (error instanceof RuleViolation)
    return {
      problem: {
        // The rule's figures first, so that none of them can take the place of a member of the problem itself.
        ...error.details,
        type: problemType(`rule/${error.rule}`),
        title: 'Business rule broken',
        status: 422,
        detail: error.message,
        rule: error.rule,
        ...(error.field ? { field: error.field } : {}),
      },
      headers: {},
    };
  if (error instanceof NotFound)
    return { problem: { type: problemType('not-found'), title: 'Not found', status: 404, detail: error.message, kind: error.kind, id: error.id }, headers: {} };
  if (error instanceof WrongExpectedRevisionError)
    return {
      problem: {
        type: problemType('stale-revision'),
        title: 'Someone else changed it first',
        status: 409,
        detail: `Expected revision ${String(error.expected)}, but it is at revision ${String(error.actual)}: read it again, then retry`,
        expectedRevision: error.expected,
        actualRevision: error.actual,
      },
      headers: {},
    };
  if (error instanceof InvalidEventError)
    return {
      problem: {
        type: problemType('invalid-request'),
        title: 'Invalid request',
        status: 400,
        detail: error.message,
        field: error.field,
        errors: [{ field: error.field, reason: error.reason }],
      },
      headers: {},
    };
  if (error instanceof AppendTooLargeError) return appendTooLarge(error);
  if (error instanceof AuthenticationError)
    return {
      problem: { type: problemType('unauthenticated'), title: 'Authentication required', status: 401, detail: error.reason },
      headers: { 'WWW-Authenticate': `Bearer error="invalid_token", error_description="${error.reason.replace(/"/g, "'")}"` },
    };
  // Express's body parser errors arrive wrapped in an HttpException by the Nest adapter, whose copy of
  // @nestjs/common may not be this one: look at the cause and the shape, not the class.
  const bodyError = ((error as { cause?: unknown })?.cause ?? error) as BodyParserError;
  if (bodyError?.type === 'entity.too.large')
    return {
      problem: {
        type: problemType('body-too-large'),
        title: 'Request body too large',
        status: 413,
        detail: `The body may not exceed ${bodyError.limit} bytes`,
      },
      headers: {},
    };
  if (bodyError?.type === 'entity.parse.failed' || (error instanceof SyntaxError && (error as BodyParserError).status === 400))
    return {
      problem: {
        type: problemType('invalid-json'),
        title: 'Malformed JSON',
        status: 400,
        detail: 'The body is not valid JSON',
        errors: [{ field: 'body', reason: 'is not valid JSON' }],
      },
      headers: {},
    };
  if (isHttpException(error)) {
    const status = error.getStatus();
    const response = error.getResponse();
    const detail = typeof response === 'string' ? response : ((response as { message?: unknown }).message as string | undefined);
    return {
      problem: {
        type: problemType(status === 404 ? 'not-found' : `http-${status}`),
        title: error.name.replace(/Exception$/, ''),
        status,
        ...(typeof detail === 'string' ? { detail } : {}),
      },
      headers: {},
    };
  }
  // A stream is never deleted here: its deletion altered the log, which no retry mends and an auditor must hear of.
  // A 500, not a 410: the fault is the log's, not the request's, and a 410 may be cached as the resource's fate.
  if (error instanceof StreamDeletedError)
    return {
      problem: {
        type: problemType('stream-deleted'),
        title: 'Event stream deleted',
        status: 500,
        detail: `Le flux d'événements « ${error.streamName} » a été ${error.how === 'truncated' ? 'tronqué' : 'supprimé'} dans le magasin d'événements. Ce système ne supprime jamais un flux : le journal a été altéré hors de l'application. Signalez-le aux auditeurs ; rien n'a été enregistré.`,
        stream: error.streamName,
      },
      headers: {},
    };
  // Writers of other processes kept taking the stream's tip: nothing was written, and the same request may pass soon.
  if (error instanceof WriteContendedError)
    return {
      problem: {
        type: problemType('write-contended'),
        title: 'Stream busy',
        status: 503,
        detail: "D'autres écritures sur le même flux sont passées avant celle-ci à chaque essai : rien n'a été enregistré. Réessayez dans un instant.",
      },
      headers: { 'Retry-After': '1' },
    };
  // A misconfiguration (rights, credentials): a 503 would invite retries that cannot succeed until someone corrects it.
  if (error instanceof EventStoreAccessDeniedError)
    return {
      problem: {
        type: problemType('event-store-access-denied'),
        title: 'Event store access denied',
        status: 500,
        detail:
          "Le magasin d'événements refuse l'accès à ce service : sa configuration (droits, identifiants) est à corriger par l'exploitation. Rien n'a été enregistré.",
      },
      headers: {},
    };
  const unreachable = unreachableStore(error);
  if (unreachable) return storeUnavailable(unreachable);
  return {
    problem: {
      type: problemType('internal'),
      title: 'Internal error',
      status: 500,
      detail: 'The request could not be completed; nothing was recorded unless a later read shows it',
    },
    headers: {},
  };
}

const octets = (bytes: number) => `${new Intl.NumberFormat('fr-FR').format(bytes)} octets`;

/** The events a request would write weigh more than one append may hold: nothing was written, and resending will not help. */
function appendTooLarge(error: AppendTooLargeError): { problem: ProblemDetails; headers: Record<string, string> } {
  return {
    problem: {
      type: problemType('append-too-large'),
      title: 'Écriture trop volumineuse',
      status: 413,
      detail:
        `Les événements à enregistrer pèsent ${octets(error.bytes)}, au-delà des ${octets(error.limit)} qu'une écriture peut contenir : ` +
        "rien n'a été enregistré. Découpez la demande en plusieurs écritures plus petites, ou joignez le contenu volumineux " +
        "comme document et n'enregistrez que sa référence.",
      field: 'body',
      errors: [{ field: 'body', reason: `pèse ${octets(error.bytes)} une fois enregistré, pour ${octets(error.limit)} au plus` }],
      bytes: error.bytes,
      limit: error.limit,
    },
    headers: {},
  };
}

/** Seconds a client should wait before retrying a request that found a store unreachable. */
export const STORE_RETRY_AFTER_SECONDS = 5;

/** A store cannot be reached (an outage, a restart): the same request may succeed as is in a few seconds. */
function storeUnavailable(store: UnreachableStore): { problem: ProblemDetails; headers: Record<string, string> } {
  const { slug, title, what } =
    store === 'database'
      ? { slug: 'database-unavailable', title: 'Database unavailable', what: 'La base de données est injoignable' }
      : { slug: 'event-store-unavailable', title: 'Event store unavailable', what: "Le magasin d'événements (EventStoreDB) est injoignable" };
  return {
    problem: {
      type: problemType(slug),
      title,
      status: 503,
      detail: `${what} : réessayez dans quelques secondes. Une écriture interrompue n'a rien enregistré, sauf si une lecture ultérieure le montre.`,
      dependency: store,
    },
    headers: { 'Retry-After': String(STORE_RETRY_AFTER_SECONDS) },
  };
}

@Catch()
export class ProblemDetailsFilter implements ExceptionFilter {
  private readonly logger = new Logger('HTTP');

  catch(error: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    const response = http.getResponse<Response>();
    const request = http.getRequest<Request>();
    if (error instanceof ReplayedResponse) {
      for (const [name, value] of Object.entries(error.headers)) response.setHeader(name, value);
      response.setHeader('Idempotent-Replayed', 'true');
      if (error.body === null || error.body === undefined) response.status(error.status).end();
      else
        response
          .status(error.status)
          .type(error.status >= 400 ? PROBLEM_JSON : 'application/json')
          .send(JSON.stringify(error.body));
      return;
    }
    const { problem, headers } = toProblem(error);
    // An outage answers every request alike: one line each, not a stack.
    if (problem.status === 503)
      this.logger.warn(`${request.method} ${request.originalUrl}: ${problem.detail ?? problem.title} (${String((error as Error)?.message ?? error)})`);
    else if (problem.status >= 500) this.logger.error(error instanceof Error ? (error.stack ?? error.message) : String(error));
    for (const [name, value] of Object.entries(headers)) response.setHeader(name, value);
    response
      .status(problem.status)
      .type(PROBLEM_JSON)
      .send(JSON.stringify({ ...problem, instance: request.originalUrl }));
  }
}
