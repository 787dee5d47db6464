import { Inject, Injectable } from '@nestjs/common';
import type { NextFunction, Request, Response } from 'express';
import type { SqlDatabase } from '@erbm/shared/event-store';
import { SQL_DATABASE } from './event-store.module';
import { PROBLEM_JSON, type ProblemDetails } from './problem-details';

/** Requests in progress at once on the embedded database; beyond, 503 with Retry-After. 0 turns the limit off. */
export const MAX_REQUESTS_ENV = 'ERBM_EMBEDDED_MAX_REQUESTS';
/**
 * About 0.3 s of queue at the ~55 writes/s measured with 50 writers on a 2-core machine (npm run
 * bench:embedded-writers): well under a second for the requests let in, and 10 writers never refused.
 */
export const DEFAULT_MAX_REQUESTS = 16;
const RETRY_AFTER_SECONDS = 1;

/** What the limit does not count: probes and documentation must answer under load. */
const EXEMPT = /^\/(health(\/|$)|metrics$|docs(-json|\/|$))/;

export function maxRequestsFromEnv(env: NodeJS.ProcessEnv = process.env): number | undefined {
  const text = env[MAX_REQUESTS_ENV];
  if (text === undefined || text === '') return DEFAULT_MAX_REQUESTS;
  const limit = Number(text);
  if (!Number.isSafeInteger(limit) || limit < 0) throw new Error(`${MAX_REQUESTS_ENV} must be a whole number ≥ 0 (0: no limit), got "${text}"`);
  return limit === 0 ? undefined : limit;
}

/**
 * Admission control for the embedded database. Its single connection serves one statement at a time, in order of
 * arrival: every request let in adds to the wait of all the others, so past a few dozen the answers take seconds and
 * clients time out while their work still queues. Refusing the excess at once (503, Retry-After) keeps the wait of those
 * let in short; a client retries later. The decision is made before anything else (body, token, Idempotency-Key), so a
 * refused request has done nothing. A PostgreSQL server has a pool of connections: no limit there.
 */
@Injectable()
export class RequestAdmission {
  /** Undefined: every request is let in. */
  readonly limit: number | undefined;
  private active = 0;

  constructor(@Inject(SQL_DATABASE) db: SqlDatabase) {
    this.limit = db.mode === 'embedded' ? maxRequestsFromEnv() : undefined;
  }

  /** Requests let in and not yet answered. */
  get inFlight(): number {
    return this.active;
  }

  /** Express middleware: install before the body parser. */
  readonly middleware = (request: Request, response: Response, next: NextFunction): void => {
    if (this.limit === undefined || EXEMPT.test(request.path)) return next();
    if (this.active >= this.limit) {
      const problem: ProblemDetails = {
        type: 'https://erbm.gouv.fr/problems/busy',
        title: 'Server busy',
        status: 503,
        detail: `Le serveur traite déjà ${this.limit} requêtes sur sa base embarquée, qui n'en sert qu'une à la fois : réessayez dans ${RETRY_AFTER_SECONDS} s. Rien n'a été enregistré.`,
        instance: request.originalUrl,
        limit: this.limit,
      };
      response.status(503).setHeader('Retry-After', String(RETRY_AFTER_SECONDS)).type(PROBLEM_JSON).send(JSON.stringify(problem));
      return;
    }
    this.active++;
    let counted = true;
    // 'close' follows the answer, and also a client that gives up: its slot is freed then, though its work may still
    // be queued; such requests are few once the excess is refused early.
    response.once('close', () => {
      if (counted) this.active--;
      counted = false;
    });
    next();
  };
}
