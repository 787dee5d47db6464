import type {
  HABITAT_OPERATION_AMENDED,
  HABITAT_OPERATION_REGISTERED,
  HabitatEventType,
  HabitatOperationAmendedV1,
  HabitatOperationRegisteredV1,
} from '@erbm/habitat/contracts';
import type { Assert, Equals } from '@erbm/shared/kernel';
import type { OperationEventMap } from './operation';

/**
 * The habitat contracts describe by hand what other services may read of this domain's events, so that they need not
 * depend on it. An event map keeps those shapes when each published event's data has every field of its version-1
 * shape, with its type (it may have more). A change to an event that breaks one fails `tsc` here: publish a new
 * version in the contracts rather than edit V1.
 */
export type KeepsPublishedShapes<
  M extends Record<typeof HABITAT_OPERATION_REGISTERED, HabitatOperationRegisteredV1> & Record<typeof HABITAT_OPERATION_AMENDED, HabitatOperationAmendedV1>,
> = M;

type _OperationEventsKeepThePublishedShapes = KeepsPublishedShapes<OperationEventMap>;
/** The contracts name every fact (an auditor reads a label for each): no more, no fewer. */
type _EveryFactIsPublishedByType = Assert<Equals<keyof OperationEventMap, HabitatEventType>>;
