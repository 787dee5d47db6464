import { EventStoreDBClient } from '@eventstore/db-client';

const checked = new Map<string, string | undefined>();

/**
 * Why EventStoreDB's client refuses a connection string (its syntax, a certificate file it names that is missing, an
 * option out of range), or undefined when it takes it. Builds a client as the adapter does, which connects to nothing
 * until its first call. The client's parse error quotes the string, credentials included: only where it stopped and
 * what it expected are kept.
 */
export function connectionStringProblem(connectionString: string): string | undefined {
  if (!checked.has(connectionString)) checked.set(connectionString, problemOf(connectionString));
  return checked.get(connectionString);
}

function problemOf(connectionString: string): string | undefined {
  try {
    void EventStoreDBClient.connectionString(connectionString).dispose();
    return undefined;
  } catch (error) {
    const { location, expected } = error as { location?: unknown; expected?: unknown };
    if (Array.isArray(location) && typeof expected === 'string') return `caractère ${Number(location[0]) + 1} : attendu ${expected}`;
    return error instanceof Error ? error.message : String(error);
  }
}
