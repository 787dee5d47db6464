import { createHash } from 'node:crypto';
import { type CallHandler, type ExecutionContext, Inject, Injectable, type NestInterceptor, type OnModuleInit } from '@nestjs/common';
import { HTTP_CODE_METADATA } from '@nestjs/common/constants';
import type { Response } from 'express';
import { type Observable, catchError, from, mergeMap } from 'rxjs';
import type { SqlDatabase } from '@erbm/shared/event-store';
import type { AuthenticatedRequest } from '../auth/auth';
import { SQL_DATABASE } from '../event-store.module';
import { ProblemException, ReplayedResponse, toProblem } from '../problem-details';

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

/**
 * Idempotency-Key on a write: the first request runs and its answer is stored (success or refusal); a retry with the
 * same key and the same request gets that answer again and writes nothing. The same key on another request is 422;
 * a retry while the first is still running is 409. Keys are per user. A 5xx is not stored, so the retry runs again
 * (and the derived event ids make its appends no-ops if the first one did write).
 */
@Injectable()
export class IdempotencyInterceptor implements NestInterceptor, OnModuleInit {
  constructor(@Inject(SQL_DATABASE) private readonly db: SqlDatabase) {}

  async onModuleInit(): Promise<void> {
    await migrateIdempotency(this.db);
  }

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const request = context.switchToHttp().getRequest<AuthenticatedRequest>();
    const key = request.header('idempotency-key');
    if (!WRITE_METHODS.has(request.method) || key === undefined || !request.principal) return next.handle();
    if (!/^[\x21-\x7e]{1,200}$/.test(key))
      throw ProblemException.of(400, 'invalid-request', 'Invalid request', 'Idempotency-Key is 1 to 200 visible ASCII characters', {
        errors: [{ field: 'Idempotency-Key', reason: 'malformed' }],
      });
    const userId = request.principal.userId;
    const hash = createHash('sha256')
      .update(`${request.method} ${request.originalUrl}\n${canonical(request.body ?? null)}`)
      .digest('hex');
    const response = context.switchToHttp().getResponse<Response>();
    const status = Reflect.getMetadata(HTTP_CODE_METADATA, context.getHandler()) ?? (request.method === 'POST' ? 201 : 200);

    const save = async (code: number, body: unknown) => {
      const headers = Object.fromEntries(
        REPLAYED_HEADERS.map((h) => [h, response.getHeader(h)])
          .filter(([, v]) => v !== undefined)
          .map(([h, v]) => [h, String(v)]),
      );
      await this.db.query(
        `UPDATE api.idempotency_keys SET completed = true, response_status = $3, response_body = $4, response_headers = $5 WHERE user_id = $1 AND key = $2`,
        [userId, key, code, body === undefined ? null : JSON.stringify(body), JSON.stringify(headers)],
      );
    };

    // Errors of the claim itself (key reused, still running, replay) must not overwrite the stored answer.
    return from(this.claim(userId, key, hash)).pipe(
      mergeMap(() =>
        next.handle().pipe(
          mergeMap(async (body: unknown) => {
            await save(status, body);
            return body;
          }),
          catchError(async (error: unknown) => {
            const { problem } = toProblem(error);
            if (problem.status < 500) await save(problem.status, { ...problem, instance: request.originalUrl });
            else await this.db.query(`DELETE FROM api.idempotency_keys WHERE user_id = $1 AND key = $2 AND NOT completed`, [userId, key]);
            throw error;
          }),
        ),
      ),
    );
  }

  private async claim(userId: string, key: string, hash: string): Promise<void> {
    const inserted = await this.db.query(
      `INSERT INTO api.idempotency_keys (user_id, key, request_hash) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING RETURNING 1 AS claimed`,
      [userId, key, hash],
    );
    if (inserted.length) return;
    const [prior] = await this.db.query<{
      request_hash: string;
      completed: boolean;
      response_status: number;
      response_body: string | null;
      response_headers: string;
    }>(`SELECT request_hash, completed, response_status, response_body, response_headers FROM api.idempotency_keys WHERE user_id = $1 AND key = $2`, [
      userId,
      key,
    ]);
    if (!prior) return this.claim(userId, key, hash);
    if (prior.request_hash !== hash)
      throw ProblemException.of(
        422,
        'idempotency-key-reused',
        'Idempotency-Key reused',
        'This Idempotency-Key was already used for a different request: use a new key for a new request',
        { field: 'Idempotency-Key', rule: 'idempotency-key-reused' },
      );
    if (!prior.completed)
      throw new ProblemException(
        {
          type: 'https://erbm.gouv.fr/problems/request-in-progress',
          title: 'Request in progress',
          status: 409,
          detail: 'The first request with this Idempotency-Key is still running: retry shortly',
        },
        { 'Retry-After': '1' },
      );
    throw new ReplayedResponse(
      prior.response_status,
      prior.response_body === null ? null : JSON.parse(prior.response_body),
      JSON.parse(prior.response_headers),
    );
  }
}
