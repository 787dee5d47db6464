import type { ProblemDetails } from '../problem-details';

/** Problem types that say "not now", not "no": the same request may succeed if sent again. */
const TRANSIENT_TYPES = new Set([
  // If-Match was stale: the client reads again and retries.
  'https://erbm.gouv.fr/problems/stale-revision',
  // Lost every revision race: the next attempt may not.
  'https://erbm.gouv.fr/problems/write-race',
  'https://erbm.gouv.fr/problems/request-in-progress',
]);

/**
 * What becomes of a key after its request failed with this problem:
 * - `store`: a final answer, decided on valid input (404, the domain's refusals), replayed to every retry;
 * - `forget`: the input was malformed (400) and nothing ran: the key is free for the corrected request;
 * - `release`: a transient failure (revision race, stale If-Match, 429, 5xx, 503): the key keeps its request, and the
 *   next retry runs it again, finding whatever the first attempt may have written.
 */
export function fateOf(problem: ProblemDetails): 'store' | 'forget' | 'release' {
  if (problem.status === 400) return 'forget';
  if (problem.status >= 500 || problem.status === 429 || problem.status === 408 || TRANSIENT_TYPES.has(problem.type)) return 'release';
  return 'store';
}
