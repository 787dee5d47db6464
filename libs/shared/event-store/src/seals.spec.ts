import { testEvent } from './testing/events';
import { EsdbStandIn, asClient } from './testing/esdb-stand-in';
import { SEALS_STREAM } from './eventstoredb/esdb-seals';
import { EventStoreDbEventStore } from './eventstoredb/eventstoredb-event-store';
import type { SqlDatabase } from './postgres/sql-database';
import { sealKeeper } from './seals';

describe('the seal keeper of the store that holds the events', () => {
  it('on EventStoreDB (a stand-in for its client, not a server) seals, lists and verifies in its seals stream, never in SQL', async () => {
    const client = new EsdbStandIn();
    const store = new EventStoreDbEventStore('esdb://stand-in?tls=false', { client: asClient(client) });
    await store.append('commitment-a', [testEvent('t', { n: 1 }), testEvent('t', { n: 2 })], 'no_stream');
    // Any use of the SQL database would throw: the events and their seals are in EventStoreDB.
    const noSql = new Proxy({} as SqlDatabase, {
      get: () => {
        throw new Error('the SQL database was used');
      },
    });
    const keeper = sealKeeper(store, noSql);
    expect(await keeper.latestSeal()).toBeNull();
    const seal = await keeper.createSeal('auditor');
    expect(seal).toMatchObject({ sealNumber: 1, events: 2, sealedBy: 'auditor' });
    expect(client.log.filter((r) => r.event?.streamId === SEALS_STREAM)).toHaveLength(1);
    expect(await keeper.listSeals()).toEqual([seal]);
    expect(await keeper.latestSeal()).toEqual(seal);
    expect(await keeper.verifyEventLog({ digest: seal?.digest })).toMatchObject({ ok: true, sealsChecked: 1, digestFound: true });
  });
});
