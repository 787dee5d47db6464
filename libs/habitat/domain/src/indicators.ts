import type { CommitmentState } from '@erbm/ledger/domain';
import type { OperationState } from './operation/operation';

/** The ERBM target: 23,000 energy-hungry mining dwellings rehabilitated. */
export const DWELLINGS_TARGET = 23_000;

export type IndicatorCode = 'dwellings-financed' | 'dwellings-works-started' | 'dwellings-delivered';

/**
 * Published figures count different things; each indicator says which. Unit: dwellings. Source: the operation's
 * and its commitments' events in this ledger.
 */
export const INDICATOR_DEFINITIONS: Record<IndicatorCode, { label: string; unit: 'logements'; definition: string }> = {
  'dwellings-financed': {
    label: 'Logements financés',
    unit: 'logements',
    definition:
      "Logements prévus des opérations dont au moins un engagement est signé (acte juridique enregistré), comptés à la date du premier acte juridique de l'opération.",
  },
  'dwellings-works-started': {
    label: 'Logements en travaux',
    unit: 'logements',
    definition: "Logements prévus des opérations dont l'ordre de service des travaux est enregistré, comptés à la date de démarrage des travaux.",
  },
  'dwellings-delivered': {
    label: 'Logements livrés',
    unit: 'logements',
    definition: 'Logements réhabilités livrés, comptés livraison par livraison à la date de chaque livraison.',
  },
};

export type IndicatorValues = Record<IndicatorCode, number>;

/** The date of the first legal act among an operation's commitments: from then on its dwellings are financed. */
export function firstLegalActOf(commitments: readonly CommitmentState[]): string | undefined {
  return commitments.flatMap((c) => (c.status === 'none' ? [] : c.facts.filter((f) => f.type === 'ledger.CommitmentMade').map((f) => f.values.date))).sort()[0];
}

/** Every fact recorded, whatever its business date: what the read model keeps current. */
export const ALL_DATES = '9999-12-31';

/** An operation's contribution to each indicator as of a business date (inclusive), given its first legal act. */
export function indicatorsAsOf(operation: OperationState, firstLegalActOn: string | null | undefined, asOf: string): IndicatorValues {
  if (operation.status === 'none') return { 'dwellings-financed': 0, 'dwellings-works-started': 0, 'dwellings-delivered': 0 };
  const worksStarted = operation.phases['works-started'];
  return {
    'dwellings-financed': firstLegalActOn && firstLegalActOn <= asOf ? operation.dwellingsPlanned : 0,
    'dwellings-works-started': worksStarted && worksStarted <= asOf ? operation.dwellingsPlanned : 0,
    'dwellings-delivered': operation.deliveries.filter((d) => d.date <= asOf).reduce((sum, d) => sum + d.dwellings, 0),
  };
}

/** An operation's contribution to each indicator as of a business date (inclusive). */
export function operationIndicators(operation: OperationState, commitments: readonly CommitmentState[], asOf: string): IndicatorValues {
  return indicatorsAsOf(operation, firstLegalActOf(commitments), asOf);
}

export interface IndicatorReport {
  indicator: IndicatorCode;
  label: string;
  unit: 'logements';
  definition: string;
  asOf: string;
  value: number;
  target: number;
  /** value / target, rounded to 0.1 %. */
  percentOfTarget: number;
}

/** Indicators add up over operations; each is compared with the 23,000 dwellings target. */
export function indicatorReport(perOperation: readonly IndicatorValues[], asOf: string): IndicatorReport[] {
  return (Object.keys(INDICATOR_DEFINITIONS) as IndicatorCode[]).map((indicator) => {
    const value = perOperation.reduce((sum, v) => sum + v[indicator], 0);
    return {
      indicator,
      ...INDICATOR_DEFINITIONS[indicator],
      asOf,
      value,
      target: DWELLINGS_TARGET,
      percentOfTarget: Math.round((value / DWELLINGS_TARGET) * 1000) / 10,
    };
  });
}
