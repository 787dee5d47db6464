import { type ExecutionContext, SetMetadata, createParamDecorator } from '@nestjs/common';
import type { Principal } from '@erbm/shared/auth';
import { NotFound } from '@erbm/shared/kernel';
import { ProblemException } from '../problem-details';

/**
 * What a reader may see of the register, derived from who it is, whatever its query says: every read route passes it
 * to its queries, which add it to the filters they were asked for. A partner reads its own party's commitments (the
 * `financer` axis forced to its party); a sous-préfecture reads the commitments of the operations of its arrondissement.
 * Everyone else reads the whole programme (an empty scope). A query naming another financer or arrondissement then
 * matches nothing: an empty answer, never someone else's figures; one object outside the scope is "not found", with the
 * very body an unknown id gets, so that ids leak nothing.
 */
export interface ReadScope {
  /** Only the commitments of this financer (party id). */
  financer?: string;
  /** Only the commitments of operations located in this arrondissement (INSEE code). */
  arrondissement?: string;
}
export type ScopeAxis = keyof ReadScope;
export const SCOPE_AXES: readonly ScopeAxis[] = ['financer', 'arrondissement'];

/** The whole programme: the SGAR, auditors, admins and editors (an editor's domain is checked where it always was). */
export const WHOLE_PROGRAMME_SCOPE: ReadScope = Object.freeze({});

export function readScopeOf(principal: Principal): ReadScope {
  switch (principal.role) {
    case 'partner':
      return { financer: principal.party };
    case 'sous-prefecture':
      return { arrondissement: principal.arrondissement };
    case 'admin':
    case 'sgar':
    case 'auditor':
    case 'editor':
      return WHOLE_PROGRAMME_SCOPE;
  }
}

export const isWholeProgramme = (scope: ReadScope): boolean => SCOPE_AXES.every((axis) => scope[axis] === undefined);

/** What the scope knows of a thing: its value on each axis; null or undefined where it has none (an unlocated operation). */
export type ScopeFacts = Partial<Record<ScopeAxis, string | null | undefined>>;

/** Whether the scope admits a thing: on each axis the scope narrows, the thing has that very value (unknown is outside). */
export function admits(scope: ReadScope, facts: ScopeFacts): boolean {
  return SCOPE_AXES.every((axis) => scope[axis] === undefined || facts[axis] === scope[axis]);
}

/** Not found, exactly as an unknown id of that kind, when the scope does not admit the thing. */
export function requireInScope(scope: ReadScope, facts: ScopeFacts, kind: string, id: string): void {
  if (!admits(scope, facts)) throw new NotFound(kind, id);
}

/** The reader's scope, for a route to pass to its queries. */
export const ReaderScope = createParamDecorator((_: unknown, context: ExecutionContext): ReadScope => {
  const principal = context.switchToHttp().getRequest<{ principal?: Principal }>().principal;
  // The guard has run: a route without a principal is public and reads nothing scoped.
  return principal ? readScopeOf(principal) : WHOLE_PROGRAMME_SCOPE;
});

export const WHOLE_PROGRAMME = 'erbm:whole-programme';
export interface WholeProgrammeRule {
  /** The axes the route does narrow its answer by: a reader scoped on those only is let in. */
  narrowable: ScopeAxis[];
}

/**
 * A view that can only be read whole (or narrowed only by the axes named): a reader whose scope narrows anything else
 * is refused (403) rather than shown figures of others.
 */
export const WholeProgramme = (options: { except?: ScopeAxis[] } = {}) =>
  SetMetadata(WHOLE_PROGRAMME, { narrowable: options.except ?? [] } satisfies WholeProgrammeRule);

export function refuseNarrowerReader(principal: Principal, rule: WholeProgrammeRule): void {
  const scope = readScopeOf(principal);
  const narrowed = SCOPE_AXES.filter((axis) => scope[axis] !== undefined && !rule.narrowable.includes(axis));
  if (narrowed.length === 0) return;
  throw ProblemException.of(
    403,
    'forbidden',
    'Accès refusé',
    `Cette vue porte sur tout le programme : le rôle ${principal.role} ne lit que ${principal.role === 'partner' ? `les engagements de ${principal.party}` : `l'arrondissement ${principal.arrondissement}`}.`,
    { role: principal.role },
  );
}
