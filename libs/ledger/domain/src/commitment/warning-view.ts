import type { CommitmentWarning } from './commitment.state';

/** A warning as every view shows it: the rule real data broke (the code a refusal gives under `rule`), and why. */
export function warningView(warning: CommitmentWarning) {
  const { code, ...rest } = warning;
  return { rule: code, ...rest };
}
