import type { DomainPlugin } from '@erbm/shared/api';
import { habitatDomain } from '@erbm/habitat/api';
import { politiqueDeLaVilleDomain } from '@erbm/politique-de-la-ville/api';

/** Every domain this system serves: one line each (the domain generator adds them). */
export const DOMAINS: readonly DomainPlugin[] = [habitatDomain, politiqueDeLaVilleDomain];
