import { Inject, Injectable } from '@nestjs/common';
import type { NextFunction, Request, Response } from 'express';
import type { SqlDatabase } from '@erbm/shared/event-store';
import { SQL_DATABASE } from './event-store.module';
import { PROBLEM_JSON, type ProblemDetails } from './problem-details';

/** Requests in progress at once on the embedded database, at most; beyond, 503 with Retry-After. 0 turns admission off. */
export const MAX_REQUESTS_ENV = 'ERBM_EMBEDDED_MAX_REQUESTS';
export const DEFAULT_MAX_REQUESTS = 32;
/** The longest a request let in is expected to take; one that would take longer is refused (503) instead. */
export const TARGET_MS_ENV = 'ERBM_EMBEDDED_TARGET_MS';
/** Well under the second that a p99 must stay below, with room for the estimate's errors. */
export const DEFAULT_TARGET_MS = 400;
const RETRY_AFTER_SECONDS = 1;
/**
 * Let in whatever their cost: a handful of users at once is never refused (the HTTP tests send up to 8 requests at once,
 * on machines much slower than a laptop).
 */
export const ALWAYS_LET_IN = 10;
/** Weight of the latest request in the moving average of what a request costs. */
const SMOOTHING = 0.2;

/** What the limit does not count: probes and documentation must answer under load. */
const EXEMPT = /^\/(health(\/|$)|metrics$|docs(-json|\/|$))/;

function wholeNumber(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const text = env[name];
  if (text === undefined || text === '') return fallback;
  const value = Number(text);
  if (!Number.isSafeInteger(value) || value < 0) throw new Error(`${name} must be a whole number ≥ 0, got "${text}"`);
  return value;
}

/** The cap from the environment; undefined when 0 turns admission off. */
export function maxRequestsFromEnv(env: NodeJS.ProcessEnv = process.env): number | undefined {
  return wholeNumber(env, MAX_REQUESTS_ENV, DEFAULT_MAX_REQUESTS) || undefined;
}

export function targetMsFromEnv(env: NodeJS.ProcessEnv = process.env): number {
  return wholeNumber(env, TARGET_MS_ENV, DEFAULT_TARGET_MS);
}

/**
 * How many requests to let in. With one connection serving them in turn, a request takes about as many times the cost
 * of one request as there are requests in progress (Little's law): each request, when it ends, gives one measure of
 * that cost (its duration divided by the requests in progress when it was let in), kept as a moving average. One more
 * request is let in while its expected duration, (in progress + 1) × cost, stays within the target, and always while
 * fewer than `alwaysLetIn` are in progress; never more than the cap. On a slower or busier machine the cost grows and fewer are let in, so
 * the wait of those let in stays near the target instead of growing with the machine's load.
 */
export class AdmissionPolicy {
  private active = 0;
  private costMs: number | undefined;

  private readonly alwaysLetIn: number;
  private readonly now: () => number;

  constructor(
    readonly limit: number,
    readonly targetMs: number,
    options: { alwaysLetIn?: number; now?: () => number } = {},
  ) {
    this.alwaysLetIn = Math.max(1, options.alwaysLetIn ?? ALWAYS_LET_IN);
    this.now = options.now ?? (() => performance.now());
  }

  get inFlight(): number {
    return this.active;
  }

  /** What one request costs now (ms), once a request has ended. */
  get cost(): number | undefined {
    return this.costMs;
  }

  /** Lets one request in and gives the function to call when it ends (once), or undefined: refused. */
  enter(): (() => void) | undefined {
    if (this.active >= this.limit) return undefined;
    if (this.active >= this.alwaysLetIn && this.costMs !== undefined && (this.active + 1) * this.costMs > this.targetMs) return undefined;
    const sharedWith = ++this.active;
    const started = this.now();
    let ended = false;
    return () => {
      if (ended) return;
      ended = true;
      this.active--;
      const cost = (this.now() - started) / sharedWith;
      this.costMs = this.costMs === undefined ? cost : this.costMs + SMOOTHING * (cost - this.costMs);
    };
  }
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
  /** Undefined on a server, or when ERBM_EMBEDDED_MAX_REQUESTS=0: every request is let in. */
  readonly policy: AdmissionPolicy | undefined;

  constructor(@Inject(SQL_DATABASE) db: SqlDatabase) {
    const limit = db.mode === 'embedded' ? maxRequestsFromEnv() : undefined;
    this.policy = limit === undefined ? undefined : new AdmissionPolicy(limit, targetMsFromEnv());
  }

  /** Requests let in and not yet answered. */
  get inFlight(): number {
    return this.policy?.inFlight ?? 0;
  }

  /** Express middleware: install before the body parser. */
  readonly middleware = (request: Request, response: Response, next: NextFunction): void => {
    if (!this.policy || EXEMPT.test(request.path)) return next();
    const inProgress = this.policy.inFlight;
    const leave = this.policy.enter();
    if (!leave) {
      const problem: ProblemDetails = {
        type: 'https://erbm.gouv.fr/problems/busy',
        title: 'Server busy',
        status: 503,
        detail: `Le serveur traite déjà ${inProgress} requête${inProgress > 1 ? 's' : ''} sur sa base embarquée, qui n'en sert qu'une à la fois : réessayez dans ${RETRY_AFTER_SECONDS} s. Rien n'a été enregistré.`,
        instance: request.originalUrl,
        inProgress,
      };
      response.status(503).setHeader('Retry-After', String(RETRY_AFTER_SECONDS)).type(PROBLEM_JSON).send(JSON.stringify(problem));
      return;
    }
    // 'close' follows the answer, and also a client that gives up: its place is freed then, though its work may still
    // be queued; such requests are few once the excess is refused early.
    response.once('close', leave);
    next();
  };
}
