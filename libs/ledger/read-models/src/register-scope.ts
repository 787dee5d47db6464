import { COLUMN } from './tables';

/**
 * The part of the register a reader may see: the `ReadScope` of @erbm/shared/api, by its shape (a read model does not
 * import the HTTP layer). Every query of the register takes it and adds it to the filters it was asked for, so that a
 * filter naming another financer or arrondissement matches nothing.
 */
export type RegisterScope = Partial<Record<'financer' | 'arrondissement', string>>;

const SCOPED_AXES = ['financer', 'arrondissement'] as const;

/** `column = $n` for each axis the scope narrows; `prefix` qualifies the columns (`c.`) where a query joins. */
export function scopeClauses(scope: RegisterScope | undefined, params: unknown[], prefix = ''): string[] {
  return SCOPED_AXES.filter((axis) => scope?.[axis] !== undefined).map((axis) => {
    params.push(scope?.[axis]);
    return `${prefix}${COLUMN[axis]} = $${params.length}`;
  });
}
