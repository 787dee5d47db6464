import { createHash } from 'node:crypto';
import { type CallHandler, type ExecutionContext, Inject, Injectable, type NestInterceptor, type OnModuleInit } from '@nestjs/common';
import { HTTP_CODE_METADATA } from '@nestjs/common/constants';
import type { Response } from 'express';
import { type Observable, catchError, finalize, from, mergeMap } from 'rxjs';
import type { SqlDatabase } from '@erbm/shared/event-store';
import type { AuthenticatedRequest } from '../auth/auth';
import { SQL_DATABASE } from '../event-store.module';
import { failpoint } from '../failpoint';
import { ProblemException, ReplayedResponse, invalidRequest, toProblem } from '../problem-details';
import { ClaimOwner } from './claim-owner';
import { fateOf } from './final-answer';

const WRITE_METHODS = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);
const REPLAYED_HEADERS = ['location', 'etag'];

export async function migrateIdempotency(db: SqlDatabase): Promise<void> {
  await db.transaction(async (tx) => {
    await tx.query(`SELECT pg_advisory_xact_lock(hashtext('erbm.api.migrations'))`);
    await tx.query(`CREATE SCHEMA IF NOT EXISTS api`);
    await tx.query(`CREATE TABLE IF NOT EXISTS api.idempotency_keys (
      user_id text NOT NULL,
      key text NOT NULL,
      request_hash text NOT NULL,
      completed boolean NOT NULL DEFAULT false,
      response_status integer,
      response_body text,
      response_headers text,
      created_at timestamptz NOT NULL DEFAULT now(),
      PRIMARY KEY (user_id, key))`);
    // The process running the request (see ClaimOwner); NULL once released. Older unfinished rows have none, and
    // any retry takes them over.
    await tx.query(`ALTER TABLE api.idempotency_keys ADD COLUMN IF NOT EXISTS owner bigint`);
  });
}

/** Deterministic JSON: the same body with its keys in another order is the same request. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value && typeof value === 'object')
    return `{${Object.keys(value)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonical((value as Record<string, unknown>)[k])}`)
      .join(',')}}`;
  return JSON.stringify(value) ?? 'null';
}

interface PriorRequest {
  request_hash: string;
  completed: boolean;
  response_status: number;
  response_body: string | null;
  response_headers: string;
}

/**
 * Idempotency-Key on a write: the first request runs and its final answer is stored (success, or a refusal decided on
 * valid input); a retry with the same key and the same request gets that answer again and writes nothing. The same key
 * on another request is 422; a retry while the first is still running is 409. Keys are per user.
 *
 * A claim lasts as long as the request that made it, not longer: a retry finding the claim of a process that has
 * stopped (killed, crashed, restarted) takes it over and runs the request again. Running it again is safe: event ids
 * derive from the key, and CommandPath answers with what the first attempt wrote if it wrote it. Answers that are not
 * final (a lost race, a stale If-Match, 5xx, 503, 429) are not stored, and 400 frees the key: see `fateOf`.
 */
@Injectable()
export class IdempotencyInterceptor implements NestInterceptor, OnModuleInit {
  constructor(
    @Inject(SQL_DATABASE) private readonly db: SqlDatabase,
    private readonly owner: ClaimOwner,
  ) {}

  async onModuleInit(): Promise<void> {
    await migrateIdempotency(this.db);
  }

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const request = context.switchToHttp().getRequest<AuthenticatedRequest>();
    const key = request.header('idempotency-key');
    if (!WRITE_METHODS.has(request.method) || key === undefined || !request.principal) return next.handle();
    if (!/^[\x21-\x7e]{1,200}$/.test(key)) throw invalidRequest([{ field: 'Idempotency-Key', reason: 'de 1 à 200 caractères ASCII visibles' }]);
    const userId = request.principal.userId;
    const hash = createHash('sha256')
      .update(`${request.method} ${request.originalUrl}\n${canonical(request.body ?? null)}`)
      .digest('hex');
    const response = context.switchToHttp().getResponse<Response>();
    const status = Reflect.getMetadata(HTTP_CODE_METADATA, context.getHandler()) ?? (request.method === 'POST' ? 201 : 200);
    const me = this.owner.id;

    // Only the claim's owner finishes it, and a stored answer is never replaced (a takeover of a live claim, possible
    // only while this process had lost its lock's connection, then stores the same answer second and is ignored).
    const save = async (code: number, body: unknown) => {
      const headers = Object.fromEntries(
        REPLAYED_HEADERS.map((h) => [h, response.getHeader(h)])
          .filter(([, v]) => v !== undefined)
          .map(([h, v]) => [h, String(v)]),
      );
      await this.db.query(
        `UPDATE api.idempotency_keys SET completed = true, response_status = $3, response_body = $4, response_headers = $5, owner = NULL
          WHERE user_id = $1 AND key = $2 AND NOT completed`,
        [userId, key, code, body === undefined ? null : JSON.stringify(body), JSON.stringify(headers)],
      );
    };
    const forget = () =>
      this.db.query(`DELETE FROM api.idempotency_keys WHERE user_id = $1 AND key = $2 AND NOT completed AND owner = $3::bigint`, [userId, key, me]);
    const release = () =>
      this.db.query(`UPDATE api.idempotency_keys SET owner = NULL WHERE user_id = $1 AND key = $2 AND NOT completed AND owner = $3::bigint`, [userId, key, me]);

    // Errors of the claim itself (key reused, still running, replay) must not touch the stored answer.
    const runKey = `${userId}\u0000${key}`;
    return from(this.claim(runKey, userId, key, hash)).pipe(
      mergeMap(() =>
        next.handle().pipe(
          mergeMap(async (body: unknown) => {
            await failpoint('idempotency-answered');
            await save(status, body);
            return body;
          }),
          catchError(async (error: unknown) => {
            const { problem } = toProblem(error);
            const fate = fateOf(problem);
            if (fate === 'store') await save(problem.status, { ...problem, instance: request.originalUrl });
            else if (fate === 'forget') await forget();
            else await release();
            throw error;
          }),
          finalize(() => this.owner.finish(runKey)),
        ),
      ),
    );
  }

  private async claim(runKey: string, userId: string, key: string, hash: string): Promise<void> {
    if (!this.owner.start(runKey)) throw this.refusal(await this.prior(userId, key), hash);
    try {
      await this.owner.ready();
      const me = this.owner.id;
      for (;;) {
        const inserted = await this.db.query(
          `INSERT INTO api.idempotency_keys (user_id, key, request_hash, owner) VALUES ($1, $2, $3, $4::bigint) ON CONFLICT DO NOTHING RETURNING 1 AS claimed`,
          [userId, key, hash, me],
        );
        // A claim left by a request that no longer runs (its process stopped, or it ended on a transient failure):
        // this retry takes it over. The owner is checked on the row as updated, so of two retries only one wins.
        const taken = inserted.length
          ? inserted
          : await this.db.query(
              `UPDATE api.idempotency_keys SET owner = $4::bigint
                WHERE user_id = $1 AND key = $2 AND request_hash = $3 AND NOT completed AND ${this.owner.staleOwner('$4::bigint')}
                RETURNING 1 AS claimed`,
              [userId, key, hash, me],
            );
        if (taken.length) {
          await failpoint('idempotency-claimed');
          return;
        }
        const prior = await this.prior(userId, key);
        // Gone meanwhile (its request was malformed and freed the key): claim it again.
        if (prior) throw this.refusal(prior, hash);
      }
    } catch (error) {
      this.owner.finish(runKey);
      throw error;
    }
  }

  private async prior(userId: string, key: string): Promise<PriorRequest | undefined> {
    const [prior] = await this.db.query<PriorRequest>(
      `SELECT request_hash, completed, response_status, response_body, response_headers FROM api.idempotency_keys WHERE user_id = $1 AND key = $2`,
      [userId, key],
    );
    return prior;
  }

  /** Why this request may not run now: another request has the key, the first one still runs, or here is its answer. */
  private refusal(prior: PriorRequest | undefined, hash: string): Error {
    if (prior && prior.request_hash !== hash)
      return ProblemException.of(
        422,
        'idempotency-key-reused',
        'Idempotency-Key déjà utilisée',
        'Cette Idempotency-Key a déjà servi pour une autre requête : une nouvelle requête demande une nouvelle clé',
        { field: 'Idempotency-Key', rule: 'idempotency-key-reused' },
      );
    if (!prior?.completed)
      return new ProblemException(
        {
          type: 'https://erbm.gouv.fr/problems/request-in-progress',
          title: 'Requête en cours',
          status: 409,
          detail: 'La première requête avec cette Idempotency-Key est encore en cours : réessayez dans un instant',
        },
        { 'Retry-After': '1' },
      );
    return new ReplayedResponse(
      prior.response_status,
      prior.response_body === null ? null : JSON.parse(prior.response_body),
      JSON.parse(prior.response_headers),
    );
  }
}
