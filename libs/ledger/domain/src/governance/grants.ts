import { RuleViolation, formatEuros } from '@erbm/shared/kernel';

/**
 * What every act that grants money shares, a meeting's decision or an act that is not a meeting (arrêté, délibération,
 * convention…): amounts per financer and funding line, and what commitments programmed under them, counted in the
 * granting stream so that two programmings at once cannot both pass its ceiling (ADR 0015, ADR 0018).
 */

export interface DecisionAmount {
  financer: string;
  /** The funding line the amount is for; without one, any funding line of the financer. */
  fundingLine?: string;
  amountCents: number;
}

/** One commitment's programming under a grant, per financer and funding line, net of what was released since. */
export interface CountedProgramming {
  commitmentId: string;
  financer: string;
  fundingLine: string;
  amountCents: number;
}

/** The part of a grant's amounts a commitment on this financer's funding line draws from. */
export interface Grant {
  approvedCents: number;
  /** The line the amounts name; undefined when they name the financer alone (any of its lines). */
  fundingLine?: string;
}

/**
 * A grant's amounts programme their own financer and funding line: those naming this line, else those naming the
 * financer without a line. Undefined when it grants this line nothing.
 */
export function grantOf(granting: { amounts: readonly DecisionAmount[] }, financer: string, fundingLine: string): Grant | undefined {
  const ofFinancer = granting.amounts.filter((a) => a.financer === financer);
  const onLine = ofFinancer.filter((a) => a.fundingLine === fundingLine);
  const amounts = onLine.length > 0 ? onLine : ofFinancer.filter((a) => a.fundingLine === undefined);
  if (amounts.length === 0) return undefined;
  return { approvedCents: amounts.reduce((s, a) => s + a.amountCents, 0), ...(onLine.length > 0 ? { fundingLine } : {}) };
}

/** How a refusal names the grant ("La décision d1", "L'acte « Arrêté préfectoral n° 2023-17… »"), and what it is. */
export interface GrantRules {
  /** The grant as the subject of a sentence. */
  name: string;
  /** A meeting's decision or an act that is not a meeting: the refusals' rule codes say which. */
  of: 'decision' | 'act';
}

/** The grant's part for this financer and funding line, or the refusal naming what it does grant. */
export function requireAmountsFor(
  granting: { amounts: readonly DecisionAmount[] },
  financer: string,
  fundingLine: string,
  rules: GrantRules,
  field: string,
): Grant {
  const grant = grantOf(granting, financer, fundingLine);
  if (grant) return grant;
  const named = granting.amounts.map((a) => `${a.financer}${a.fundingLine ? ` (${a.fundingLine})` : ''}`).join(', ');
  throw new RuleViolation(
    rules.of === 'act' ? 'act-not-for-funding-line' : 'decision-not-for-funding-line',
    `${rules.name} n'accorde aucun montant à ${financer} sur la ligne ${fundingLine} : ses montants ne valent que pour leur financeur et leur ligne (${named || 'aucun montant'})`,
    field,
  );
}

/** What commitments programmed so far under a grant (its programmings only), from the part of its amounts this is. */
export function programmedUnder(
  programmings: readonly CountedProgramming[],
  granting: { amounts: readonly DecisionAmount[] },
  financer: string,
  grant: Grant,
): number {
  return programmings
    .filter((p) => p.financer === financer)
    .filter((p) =>
      grant.fundingLine !== undefined ? p.fundingLine === grant.fundingLine : grantOf(granting, financer, p.fundingLine)?.fundingLine === undefined,
    )
    .reduce((s, p) => s + p.amountCents, 0);
}

/** Refuses a programming beyond what the grant left for its financer and funding line, with the figures. */
export function requireWithinGrant(
  programmings: readonly CountedProgramming[],
  granting: { amounts: readonly DecisionAmount[] },
  p: Omit<CountedProgramming, 'commitmentId'>,
  rules: GrantRules,
  field: string,
): void {
  const grant = requireAmountsFor(granting, p.financer, p.fundingLine, rules, field);
  const programmed = programmedUnder(programmings, granting, p.financer, grant);
  const remaining = Math.max(0, grant.approvedCents - programmed);
  if (p.amountCents > remaining)
    throw new RuleViolation(
      rules.of === 'act' ? 'programme-exceeds-act' : 'programme-exceeds-decision',
      `Programmer ${formatEuros(p.amountCents)} dépasserait ce que ${lowerFirst(rules.name)} a approuvé pour ${p.financer} sur la ligne ${grant.fundingLine ?? p.fundingLine} : ${formatEuros(grant.approvedCents)} approuvés, ${formatEuros(programmed)} déjà programmés, reste ${formatEuros(remaining)}`,
      'amountCents',
      { remainingCents: remaining, approvedCents: grant.approvedCents, programmedCents: programmed },
    );
}

const lowerFirst = (s: string) => s.charAt(0).toLowerCase() + s.slice(1);

const sameCounted = <P extends CountedProgramming>(a: P, b: P, same: (a: P, b: P) => boolean) =>
  a.commitmentId === b.commitmentId && a.financer === b.financer && a.fundingLine === b.fundingLine && same(a, b);

/** Adds (or takes) an amount to one commitment's programming under a grant; a programming brought to zero goes. */
export function withProgrammed<P extends CountedProgramming>(programmings: readonly P[], change: P, same: (a: P, b: P) => boolean = () => true): P[] {
  const existing = programmings.find((p) => sameCounted(p, change, same));
  const amountCents = (existing?.amountCents ?? 0) + change.amountCents;
  const others = programmings.filter((p) => p !== existing);
  return amountCents === 0 ? others : [...others, { ...change, amountCents }];
}

/** What a commitment programmed under a grant, to release no more than it counted. */
export function countedFor<P extends CountedProgramming>(programmings: readonly P[], of: P, same: (a: P, b: P) => boolean = () => true): number {
  return programmings.find((p) => sameCounted(p, of, same))?.amountCents ?? 0;
}
