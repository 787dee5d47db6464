import { status } from '@grpc/grpc-js';
import { DatabaseError } from 'pg';
import { QueryFailedError } from 'typeorm';
import { NotFoundException } from '@nestjs/common';
import {
  AppendTooLargeError,
  EventStoreAccessDeniedError,
  StreamDeletedError,
  WriteContendedError,
  WrongExpectedRevisionError,
} from '@erbm/shared/event-store';
import { AuthenticationError } from '@erbm/shared/auth';
import { NotFound } from '@erbm/shared/kernel';
import { esdbRefusal } from '@erbm/shared/event-store/testing';
import { RuleViolation } from '@erbm/shared/kernel';
import { toProblem } from './problem-details';

/** A server error as node-postgres builds it from the server's message. */
const serverError = (code: string, message: string) => Object.assign(new DatabaseError(message, message.length, 'error'), { code, severity: 'FATAL' });

describe('problems for a store that cannot be reached', () => {
  it.each([
    ['a refused connection', Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED', syscall: 'connect' })],
    ['a connection that ended under a query', new Error('Connection terminated unexpectedly')],
    ['the pool waiting longer than its connect timeout', new Error('timeout exceeded when trying to connect')],
    [
      'a session ended by the server, through TypeORM',
      new QueryFailedError('SELECT 1', [], serverError('57P01', 'terminating connection due to administrator command')),
    ],
    ['a server starting up', serverError('57P03', 'the database system is starting up')],
    ['a connection exception (class 08)', serverError('08006', 'connection failure')],
  ])('%s: 503, Retry-After, the database named, in French', (_, error) => {
    const { problem, headers } = toProblem(error);
    expect(problem).toMatchObject({ type: 'https://erbm.gouv.fr/problems/database-unavailable', status: 503, dependency: 'database' });
    expect(problem.detail).toMatch(/^La base de données est injoignable/);
    expect(headers).toEqual({ 'Retry-After': '5' });
  });

  // EventStoreDB's client errors, built as the client builds them (no server runs here: see esdbRefusal).
  it.each([
    ['a server down or starting (UNAVAILABLE)', esdbRefusal(status.UNAVAILABLE, 'Server Is Not Ready')],
    ["a call past the client's deadline", esdbRefusal(status.DEADLINE_EXCEEDED, 'Deadline exceeded')],
    [
      'a node that is not the leader',
      esdbRefusal(status.NOT_FOUND, 'Leader info available', { exception: 'not-leader', 'leader-endpoint-host': 'n2', 'leader-endpoint-port': '2113' }),
    ],
    ['an operation the server timed out', esdbRefusal(status.ABORTED, 'Operation timed out: commit')],
    ['a cluster discovery that gave up', new Error('Failed to discover after 10 attempts.')],
  ])('EventStoreDB, %s: 503, Retry-After, the event store named (not the database), in French', (_, error) => {
    const { problem, headers } = toProblem(error);
    expect(problem).toMatchObject({
      type: 'https://erbm.gouv.fr/problems/event-store-unavailable',
      title: "Magasin d'événements indisponible",
      status: 503,
      dependency: 'eventStore',
    });
    expect(problem.detail).toMatch(/^Le magasin d'événements \(EventStoreDB\) est injoignable : réessayez dans quelques secondes\./);
    expect(problem.detail).not.toMatch(/base de données/);
    expect(headers).toEqual({ 'Retry-After': '5' });
  });

  it('any other error stays a 500 that tells nothing of its internals', () => {
    for (const error of [new QueryFailedError('SELEKT 1', [], serverError('42601', 'syntax error at or near "SELEKT"')), new TypeError('x is undefined')])
      expect(toProblem(error)).toMatchObject({ problem: { type: 'https://erbm.gouv.fr/problems/internal', status: 500 }, headers: {} });
  });
});

describe('an append larger than the event store takes', () => {
  it('is a 413 in French that gives the size, the limit and what to do, and names the body as at fault', () => {
    const { problem, headers } = toProblem(new AppendTooLargeError('commitment-1', 9_437_184, 8_388_608));
    expect(problem).toMatchObject({
      type: 'https://erbm.gouv.fr/problems/append-too-large',
      title: 'Écriture trop volumineuse',
      status: 413,
      field: 'body',
      bytes: 9_437_184,
      limit: 8_388_608,
    });
    // Thousands grouped the French way (a narrow no-break space).
    expect(problem.detail).toMatch(/pèsent 9\u202f437\u202f184 octets, au-delà des 8\u202f388\u202f608 octets/);
    expect(problem.detail).toMatch(/rien n'a été enregistré/);
    expect(problem.detail).toMatch(/Découpez la demande en plusieurs écritures/);
    expect(problem.detail).toMatch(/joignez le contenu volumineux comme document/);
    expect(problem.errors).toEqual([{ field: 'body', reason: expect.stringMatching(/^pèse 9\u202f437\u202f184 octets/) }]);
    // The store's own stream name stays inside.
    expect(JSON.stringify(problem)).not.toContain('commitment-1');
    expect(headers).toEqual({});
  });
});

describe('problems of the event store that no retry mends', () => {
  it('a deleted stream: a 500 naming the stream for the auditors, never a (cacheable) 410', () => {
    const { problem, headers } = toProblem(new StreamDeletedError('habitat-operation-42'));
    expect(problem).toMatchObject({ type: 'https://erbm.gouv.fr/problems/stream-deleted', status: 500, stream: 'habitat-operation-42' });
    expect(problem.detail).toContain("Le flux d'événements « habitat-operation-42 » a été supprimé dans le magasin d'événements");
    expect(problem.detail).toMatch(/le journal a été altéré.*Signalez-le aux auditeurs/);
    expect(headers).toEqual({});
  });

  it('a stream truncated outside the system says so', () => {
    const { problem } = toProblem(new StreamDeletedError('habitat-operation-42', 'truncated'));
    expect(problem).toMatchObject({ status: 500, stream: 'habitat-operation-42' });
    expect(problem.detail).toContain('« habitat-operation-42 » a été tronqué');
  });

  it('an append that kept losing its stream to other writers: a 503 to retry soon, nothing written', () => {
    const { problem, headers } = toProblem(new WriteContendedError('commitment-1', 37));
    expect(problem).toMatchObject({ type: 'https://erbm.gouv.fr/problems/write-contended', status: 503 });
    expect(problem.detail).toMatch(/rien n'a été enregistré\. Réessayez/);
    expect(JSON.stringify(problem)).not.toContain('commitment-1');
    expect(headers).toEqual({ 'Retry-After': '1' });
  });

  it('access denied by the event store: a 500 that says the configuration is at fault, with no Retry-After', () => {
    const { problem, headers } = toProblem(new EventStoreAccessDeniedError('EventStoreDB refused access (7 PERMISSION_DENIED: Access Denied)'));
    expect(problem).toMatchObject({ type: 'https://erbm.gouv.fr/problems/event-store-access-denied', status: 500 });
    expect(problem.detail).toMatch(/^Le magasin d'événements refuse l'accès à ce service : sa configuration/);
    // Nothing of the internals (the user, the server's words) reaches the client: the log has them.
    expect(problem.detail).not.toMatch(/PERMISSION_DENIED|EventStoreDB refused/);
    expect(headers).toEqual({});
  });
});

describe('the problem of a broken rule', () => {
  it('is a 422 naming the rule and the field, with the figures the rule gives beside its message', () => {
    const { problem } = toProblem(
      new RuleViolation('programme-exceeds-decision', 'reste 40 000,00 €', 'amountCents', { remainingCents: 40_000_00, status: 200, rule: 'other' }),
    );
    expect(problem).toEqual({
      type: 'https://erbm.gouv.fr/problems/rule/programme-exceeds-decision',
      title: expect.any(String),
      status: 422,
      detail: 'reste 40 000,00 €',
      rule: 'programme-exceeds-decision',
      field: 'amountCents',
      remainingCents: 40_000_00,
    });
  });
});

describe('problems people read are in French, their codes and fields stay identifiers', () => {
  it('a thing that does not exist, a stale revision, a missing token, an unknown route', () => {
    expect(toProblem(new NotFound('commitment', 'c-1')).problem).toMatchObject({
      title: 'Introuvable',
      detail: "L'engagement c-1 n'existe pas.",
      kind: 'commitment',
      id: 'c-1',
    });
    expect(toProblem(new WrongExpectedRevisionError('commitment-c-1', 3, 4)).problem).toMatchObject({
      title: 'Modifié entre-temps',
      status: 409,
      expectedRevision: 3,
      actualRevision: 4,
      detail: expect.stringMatching(/^If-Match attendait la révision 3, mais elle est à la révision 4/),
    });
    const unauthenticated = toProblem(new AuthenticationError('token expired'));
    expect(unauthenticated.problem).toMatchObject({
      title: 'Authentification requise',
      detail: expect.stringContaining('Jeton absent ou refusé (token expired)'),
    });
    // The challenge header stays ASCII, as RFC 6750 wants it.
    expect(unauthenticated.headers['WWW-Authenticate']).toBe('Bearer error="invalid_token", error_description="token expired"');
    expect(toProblem(new NotFoundException('Cannot GET /nowhere')).problem).toMatchObject({
      title: 'Introuvable',
      status: 404,
      detail: 'Aucune route GET /nowhere dans ce service.',
    });
  });
});
