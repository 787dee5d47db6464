import { createHash, randomUUID } from 'node:crypto';
import { type ExecutionContext, createParamDecorator } from '@nestjs/common';
import type { Principal } from '@erbm/shared/auth';
import type { AuthenticatedRequest } from './auth/auth';
import { invalidRequest } from './problem-details';

/** Who is acting and how the request was made: it fills every event's envelope and guards retries and races. */
export interface CommandContext {
  principal: Principal;
  correlationId: string;
  /** Idempotency-Key header: a retried request with it writes nothing more. */
  idempotencyKey?: string;
  /** If-Match header: the revision the client last read. */
  ifMatch?: number;
}

export const Ctx = createParamDecorator((_: unknown, context: ExecutionContext): CommandContext => {
  const request = context.switchToHttp().getRequest<AuthenticatedRequest>();
  if (!request.principal) throw new Error('Ctx used on a public route');
  const correlationId = request.header('x-correlation-id');
  if (correlationId !== undefined && !/^[\w.:-]{1,100}$/.test(correlationId))
    throw invalidRequest([{ field: 'X-Correlation-Id', reason: 'de 1 à 100 lettres, chiffres, points, deux-points, tirets ou soulignés' }]);
  return {
    principal: request.principal,
    correlationId: correlationId ?? randomUUID(),
    idempotencyKey: request.header('idempotency-key') || undefined,
    ifMatch: parseIfMatch(request.header('if-match')),
  };
});

/** `If-Match: "3"` (an ETag this API gave) or a bare revision number. */
export function parseIfMatch(header: string | undefined): number | undefined {
  if (header === undefined) return undefined;
  const match = /^\s*(?:W\/)?"?(\d{1,15})"?\s*$/.exec(header);
  if (!match) throw invalidRequest([{ field: 'If-Match', reason: 'doit être la révision de l\'ETag que cette API a donné, par exemple "3"' }]);
  return Number(match[1]);
}

export const etag = (revision: number): string => `"${revision}"`;

/**
 * Event ids are derived from the Idempotency-Key when there is one, so a retry that re-decides after a lost answer
 * appends the very same events, which the store then recognises as already written.
 */
export function eventIdFor(ctx: CommandContext, streamName: string, index: number): string {
  if (!ctx.idempotencyKey) return randomUUID();
  return uuidFrom(`${ctx.principal.userId}\u0000${ctx.idempotencyKey}\u0000${streamName}\u0000${index}`);
}

/** A UUID that is a function of the text: whoever derives it from the same fact gets the same id. */
export function uuidFrom(text: string): string {
  const h = createHash('sha256').update(text).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-${((parseInt(h[16], 16) & 0x3) | 0x8).toString(16)}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

/** An id for a new thing (operation, commitment, meeting): stable across retries of the same request. */
export function newIdFor(ctx: CommandContext, purpose: string): string {
  return eventIdFor(ctx, `new:${purpose}`, 0);
}
