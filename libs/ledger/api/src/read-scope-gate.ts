import type { Provider } from '@nestjs/common';
import { DOMAIN_PLUGINS, type DomainPlugin, EVENT_STORE } from '@erbm/shared/api';
import type { EventStore } from '@erbm/shared/event-store';
import { ReadScopeGate } from '@erbm/ledger/read-models';

/** The read scope's gate over the process's event store and the domains it knows (see ReadScopeGate). */
export const readScopeGateProvider: Provider = {
  provide: ReadScopeGate,
  useFactory: (store: EventStore, domains: readonly DomainPlugin[]) => new ReadScopeGate(store, domains),
  inject: [EVENT_STORE, DOMAIN_PLUGINS],
};
