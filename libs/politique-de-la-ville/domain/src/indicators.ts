import type { IndicatorDefinition } from '@erbm/shared/kernel';
import type { OperationState } from './operation/operation';

/**
 * What this domain measures, as the SGAR and the comités read it: each indicator with its definition in French, its
 * unit and the programme's target (null when there is none). To add one: its entry here, then its value in
 * `operationIndicators` (the compiler asks for it); the register projection totals it per arrondissement.
 */
const INDICATORS = {
  'operations-registered': {
    label: 'Opérations enregistrées',
    unit: 'opérations',
    definition: "Opérations enregistrées dans le registre du domaine, comptées dans l'arrondissement de leur commune.",
    target: null,
  },
} satisfies Record<string, Omit<IndicatorDefinition, 'code'>>;

export type IndicatorCode = keyof typeof INDICATORS;
export type IndicatorValues = Record<IndicatorCode, number>;

export const INDICATOR_CODES = Object.keys(INDICATORS) as IndicatorCode[];
export const INDICATOR_DEFINITIONS: readonly IndicatorDefinition[] = INDICATOR_CODES.map((code) => ({ code, ...INDICATORS[code] }));

/** One operation's contribution to each indicator, from its current state: the totals add these up. */
export function operationIndicators(operation: OperationState): IndicatorValues {
  return { 'operations-registered': operation.status === 'none' ? 0 : 1 };
}
