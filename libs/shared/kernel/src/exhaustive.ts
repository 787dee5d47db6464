/**
 * Lists and groupings of the members of a union (event types, mostly) that the compiler holds to the union: a member
 * left out, named twice or misspelt fails `tsc`, and the message names it. They return what they are given, typed as
 * written (a tuple of literals), so that a new event type cannot be forgotten by a projection, a label or a view.
 */

type Repeated<L extends readonly unknown[]> = L extends readonly [infer H, ...infer R] ? (H extends R[number] ? H : never) | Repeated<R> : never;
type Members<G extends Record<string, readonly unknown[]>> = G[keyof G][number];
type InMoreThanOneGroup<G extends Record<string, readonly unknown[]>> = { [K in keyof G]: (G[K][number] & Members<Omit<G, K>>) | Repeated<G[K]> }[keyof G];
/** An argument type that requires a property named after the fault, so that the error message says what is wrong. */
type Unless<Fault, Name extends string> = [Fault] extends [never] ? unknown : { [K in Name]: Fault };

/** Every member of `All`, each once: `listOfAll<CommitmentEventType>()(['ledger.CommitmentAnnounced', …])`. */
export const listOfAll =
  <All extends string>() =>
  <const L extends readonly All[]>(list: L & Unless<Exclude<All, L[number]>, 'missing'> & Unless<Repeated<L>, 'repeated'>): L =>
    list;

/** Every member of `All` in exactly one of the groups: `partitionOf<CommitmentEventType>()({ payments: […], … })`. */
export const partitionOf =
  <All extends string>() =>
  <const G extends Record<string, readonly All[]>>(
    groups: G & Unless<Exclude<All, Members<G>>, 'missing'> & Unless<InMoreThanOneGroup<G>, 'inMoreThanOneGroup'>,
  ): G =>
    groups;

/** `true` when A and B are the same type, not merely assignable one way. */
export type Equals<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;

/** Compiles only when given `true`: `type _SameTypes = Assert<Equals<A, B>>`. */
export type Assert<T extends true> = T;
