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

/** A field of a request and why it is refused, in French. */
export interface FieldError {
  field: string;
  reason: string;
}

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

/** Malformed input: a 400 naming every field at fault, each with why (the first is also `field`). */
export function invalidRequest(errors: FieldError[]): ProblemException {
  return ProblemException.of(400, 'invalid-request', 'Requête invalide', errors.map((e) => `${e.field} : ${e.reason}`).join(' ; '), {
    field: errors[0]?.field,
    errors,
  });
}

/** A body that is not JSON: 415, before anything reads it. */
export function unsupportedMediaType(contentType: string | undefined): ProblemException {
  return ProblemException.of(
    415,
    'unsupported-media-type',
    'Type de contenu non pris en charge',
    `Le corps de la requête doit être un objet JSON envoyé avec Content-Type: application/json${contentType ? ` (reçu : ${contentType})` : ' (aucun Content-Type reçu)'}.`,
    {
      field: 'Content-Type',
      errors: [{ field: 'Content-Type', reason: contentType ? `${contentType} n'est pas application/json` : 'absent : application/json attendu' }],
    },
  );
}

/** What a thing a request names is called in French, for the 404 that says it does not exist. */
const THING: Record<string, string> = {
  commitment: "L'engagement",
  operation: "L'opération",
  meeting: 'La réunion',
  decision: 'La décision',
  payment: 'Le paiement',
  domain: 'Le domaine',
  import: "L'import",
};

/** Titles of the statuses Nest answers by itself (an unknown route, say). */
const STATUS_TITLES: Record<number, string> = {
  400: 'Requête invalide',
  401: 'Authentification requise',
  403: 'Accès refusé',
  404: 'Introuvable',
  405: 'Méthode non autorisée',
  406: 'Format de réponse non disponible',
  409: 'Conflit',
  413: 'Corps de requête trop volumineux',
  415: 'Type de contenu non pris en charge',
  422: 'Règle métier non respectée',
  429: 'Trop de requêtes',
  500: 'Erreur interne',
  503: 'Service indisponible',
};

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
        title: 'Règle métier non respectée',
        status: 422,
        detail: error.message,
        rule: error.rule,
        ...(error.field ? { field: error.field } : {}),
      },
      headers: {},
    };
  if (error instanceof NotFound)
    return {
      problem: {
        type: problemType('not-found'),
        title: 'Introuvable',
        status: 404,
        detail: `${THING[error.kind] ?? `« ${error.kind} »`} ${error.id} n'existe pas${error.kind === 'domain' ? ' dans ce service' : ''}.`,
        kind: error.kind,
        id: error.id,
      },
      headers: {},
    };
  if (error instanceof WrongExpectedRevisionError)
    return {
      problem: {
        type: problemType('stale-revision'),
        title: 'Modifié entre-temps',
        status: 409,
        detail: `If-Match attendait la révision ${String(error.expected)}, mais elle est à la révision ${String(error.actual)} : relisez-la, puis recommencez. Rien n'a été enregistré.`,
        expectedRevision: error.expected,
        actualRevision: error.actual,
      },
      headers: {},
    };
  if (error instanceof InvalidEventError)
    return {
      problem: {
        type: problemType('invalid-request'),
        title: 'Requête invalide',
        status: 400,
        detail: `${error.field} : ${error.reason}`,
        field: error.field,
        errors: [{ field: error.field, reason: error.reason }],
      },
      headers: {},
    };
  if (error instanceof AppendTooLargeError) return appendTooLarge(error);
  if (error instanceof AuthenticationError)
    return {
      problem: {
        type: problemType('unauthenticated'),
        title: 'Authentification requise',
        status: 401,
        detail: `Jeton absent ou refusé (${error.reason}) : envoyez un jeton valide dans l'en-tête Authorization: Bearer <jeton>.`,
      },
      headers: { 'WWW-Authenticate': `Bearer error="invalid_token", error_description="${error.reason.replace(/"/g, "'")}"` },
    };
  // Express's body parser errors arrive wrapped in an HttpException by the Nest adapter, whose copy of
  // @nestjs/common may not be this one: look at the cause and the shape, not the class.
  const bodyError = ((error as { cause?: unknown })?.cause ?? error) as BodyParserError;
  if (bodyError?.type === 'entity.too.large')
    return {
      problem: {
        type: problemType('body-too-large'),
        title: 'Corps de requête trop volumineux',
        status: 413,
        detail: `Le corps de la requête ne peut dépasser ${octets(bodyError.limit ?? 0)} : rien n'a été enregistré.`,
      },
      headers: {},
    };
  if (bodyError?.type === 'entity.parse.failed' || (error instanceof SyntaxError && (error as BodyParserError).status === 400))
    return {
      problem: {
        type: problemType('invalid-json'),
        title: 'JSON mal formé',
        status: 400,
        detail: "Le corps de la requête n'est pas du JSON valide : rien n'a été enregistré.",
        field: 'body',
        errors: [{ field: 'body', reason: "n'est pas du JSON valide" }],
      },
      headers: {},
    };
  if (bodyError?.type === 'charset.unsupported' || bodyError?.type === 'encoding.unsupported')
    return {
      problem: {
        type: problemType('unsupported-media-type'),
        title: 'Type de contenu non pris en charge',
        status: 415,
        detail: 'Le corps de la requête doit être du JSON en UTF-8, sans compression.',
        field: 'Content-Type',
        errors: [{ field: bodyError.type === 'charset.unsupported' ? 'Content-Type' : 'Content-Encoding', reason: 'UTF-8 sans compression attendu' }],
      },
      headers: {},
    };
  if (isHttpException(error)) {
    const status = error.getStatus();
    const response = error.getResponse();
    const message = typeof response === 'string' ? response : ((response as { message?: unknown }).message as string | undefined);
    // Nest says "Cannot GET /nowhere" of a route it does not know.
    const route = typeof message === 'string' ? /^Cannot (\w+) (.*)$/.exec(message) : null;
    const detail = route ? `Aucune route ${route[1]} ${route[2]} dans ce service.` : message;
    return {
      problem: {
        type: problemType(status === 404 ? 'not-found' : `http-${status}`),
        title: STATUS_TITLES[status] ?? error.name.replace(/Exception$/, ''),
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
        title: "Flux d'événements supprimé",
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
        title: 'Flux occupé',
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
        title: "Accès refusé au magasin d'événements",
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
      title: 'Erreur interne',
      status: 500,
      detail: "La requête n'a pas pu aboutir : rien n'a été enregistré, sauf si une lecture ultérieure le montre.",
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
      ? { slug: 'database-unavailable', title: 'Base de données indisponible', what: 'La base de données est injoignable' }
      : { slug: 'event-store-unavailable', title: "Magasin d'événements indisponible", what: "Le magasin d'événements (EventStoreDB) est injoignable" };
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
