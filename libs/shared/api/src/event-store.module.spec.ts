import { ConfigurationError, eventStoreConfigFromEnv } from './event-store.module';

/** The refusal of an environment: one line, in French, naming the variable at fault. */
function refusal(env: NodeJS.ProcessEnv): string {
  let refused: unknown;
  try {
    eventStoreConfigFromEnv(env);
  } catch (error) {
    refused = error;
  }
  expect(refused).toBeInstanceOf(ConfigurationError);
  const { message } = refused as ConfigurationError;
  expect(message.split('\n')).toHaveLength(1);
  return message;
}

describe('the event store the environment names', () => {
  it('PostgreSQL when ERBM_EVENT_STORE is unset, empty or postgresql, even with an EventStoreDB connection string (the contract suite reads it)', () => {
    for (const kind of [undefined, '', 'postgresql'])
      expect(eventStoreConfigFromEnv({ ERBM_EVENT_STORE: kind, EVENTSTORE_CONNECTION_STRING: 'esdb://es:2113?tls=false', ERBM_DATA_DIR: '/d' })).toEqual({
        databaseUrl: undefined,
        dataDir: '/d',
        eventStoreConnectionString: undefined,
      });
  });

  it('EventStoreDB with the connection string given', () => {
    expect(
      eventStoreConfigFromEnv({
        ERBM_EVENT_STORE: 'eventstoredb',
        EVENTSTORE_CONNECTION_STRING: ' esdb://admin:changeit@es:2113?tls=false ',
        DATABASE_URL: 'postgres://pg/erbm',
      }),
    ).toEqual({ databaseUrl: 'postgres://pg/erbm', dataDir: '.data/erbm', eventStoreConnectionString: 'esdb://admin:changeit@es:2113?tls=false' });
  });

  it('refuses EventStoreDB without a connection string, instead of writing the events to PostgreSQL', () => {
    for (const missing of [undefined, '', '   ']) {
      const message = refusal({ ERBM_EVENT_STORE: 'eventstoredb', EVENTSTORE_CONNECTION_STRING: missing });
      expect(message).toMatch(/^ERBM_EVENT_STORE=eventstoredb demande EVENTSTORE_CONNECTION_STRING, qui n'est pas définie/);
    }
  });

  it('refuses a store it does not know, naming the value and the ones it takes', () => {
    for (const kind of ['eventstore', 'EventStoreDB', 'postgres']) {
      const message = refusal({ ERBM_EVENT_STORE: kind, EVENTSTORE_CONNECTION_STRING: 'esdb://es:2113?tls=false' });
      expect(message).toContain(`ERBM_EVENT_STORE vaut « ${kind} »`);
      expect(message).toMatch(/eventstoredb .* postgresql/);
    }
  });

  it.each([
    ['another scheme', 'http://es:2113', 'caractère 1 : attendu esdb:// or esdb+discover://'],
    ['a port that is no number', 'esdb://es:abc?tls=false', 'caractère 11 : attendu port number'],
    ['an option with a value the client does not take', 'esdb://es:2113?tls=maybe', 'caractère 20 : attendu true or false'],
    ['a certificate file that does not exist', 'esdb://es:2113?tlsCAFile=/nowhere/ca.crt', 'Failed to load certificate file. File was not found.'],
    ['a deadline of zero', 'esdb://es:2113?tls=false&defaultDeadline=0', 'Invalid defaultDeadline "0"'],
  ])("refuses a connection string EventStoreDB's client does not take: %s", (_, connectionString, why) => {
    const message = refusal({ ERBM_EVENT_STORE: 'eventstoredb', EVENTSTORE_CONNECTION_STRING: connectionString });
    expect(message).toMatch(/^EVENTSTORE_CONNECTION_STRING n'est pas une chaîne de connexion qu'EventStoreDB accepte \(/);
    expect(message).toContain(why);
  });

  it('does not repeat the credentials of a connection string it refuses', () => {
    const message = refusal({ ERBM_EVENT_STORE: 'eventstoredb', EVENTSTORE_CONNECTION_STRING: 'esdb://admin:s3cret@es:2113?tls=perhaps' });
    expect(message).not.toContain('s3cret');
  });
});
