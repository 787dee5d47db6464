import { DatabaseError } from 'pg';
import { QueryFailedError } from 'typeorm';
import { AppendTooLargeError } from '@erbm/shared/event-store';
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
