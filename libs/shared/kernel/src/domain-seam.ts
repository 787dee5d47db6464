/**
 * What every domain tells the shared code about itself, in plain data and pure functions: where its operations are,
 * what its facts are called, what it measures. The Nest and read-model parts of a domain's plugin build on these.
 */

/** Where an operation is and what it is called, as one event of its domain says (a field left out is unchanged). */
export interface OperationPlace {
  operationId: string;
  name?: string;
  arrondissement?: string;
  communeInsee?: string;
  /** SIREN of the EPCI. */
  epci?: string;
  /** '59' or '62'. */
  departement?: string;
  qpv?: string[];
  contratDeVille?: string;
  /** The domain's programme line the operation belongs to. */
  dispositif?: string;
  beneficiaryId?: string;
}

export interface LocatableEvent {
  type: string;
  streamName: string;
  data: unknown;
}

/** The events of a domain that place its operations, and how to read the place from one of them. */
export interface OperationLocator {
  types: readonly string[];
  locate(event: LocatableEvent): OperationPlace | undefined;
}

/** The operation locators of every domain, keyed by domain name: what the ledger register places commitments with. */
export interface DomainLocator extends OperationLocator {
  domain: string;
}

/** An indicator as the SGAR and the comités read it: a definition, a unit and a target, never a bare number. */
export interface IndicatorDefinition {
  code: string;
  label: string;
  unit: string;
  definition: string;
  /** The programme's target for the whole basin; null when the indicator has none. */
  target: number | null;
}

/** One indicator's value in one arrondissement, as the domain's read model holds it now. */
export interface IndicatorValue {
  indicator: string;
  arrondissement: string;
  value: number;
}

/** The kebab-case name of a domain: its URL segment, its `domain` value, its folder and its Nx scope. */
export const DOMAIN_NAME = /^[a-z][a-z0-9]*(?:-[a-z0-9]+)*$/;
export const isDomainName = (value: unknown): value is string => typeof value === 'string' && value.length <= 60 && DOMAIN_NAME.test(value);
