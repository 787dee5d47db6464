import { type ArgumentMetadata, ValidationPipe, type ValidationError } from '@nestjs/common';
import { isBusinessDate, parseBusinessDate } from '@erbm/shared/kernel';
import { type FieldError, invalidRequest } from './problem-details';

/** Reasons class-validator and the pipe give themselves, in French; the DTOs' own decorators carry theirs. */
const OWN_REASONS: Record<string, string> = {
  whitelistValidation: 'champ inconnu : retirez-le',
  nestedValidation: 'doit être un objet',
};

function flatten(errors: ValidationError[], parent = ''): FieldError[] {
  return errors.flatMap((e) => {
    const field = parent ? (/^\d+$/.test(e.property) ? `${parent}[${e.property}]` : `${parent}.${e.property}`) : e.property;
    const own = Object.entries(e.constraints ?? {}).map(([constraint, reason]) => ({ field, reason: OWN_REASONS[constraint] ?? reason }));
    return [...own, ...flatten(e.children ?? [], field)];
  });
}

/**
 * Shape at the edge: the body is one JSON object, unknown fields are refused, and every field at fault is named with
 * why (its first fault), in a problem+json 400.
 */
class RequestValidationPipe extends ValidationPipe {
  constructor() {
    super({
      whitelist: true,
      forbidNonWhitelisted: true,
      transform: true,
      stopAtFirstError: true,
      validationError: { target: false, value: false },
      exceptionFactory: (errors) => invalidRequest(flatten(errors)),
    });
  }

  override async transform(value: unknown, metadata: ArgumentMetadata): Promise<unknown> {
    if (metadata.type === 'body' && metadata.metatype && metadata.metatype !== Object) {
      if (value === undefined) throw invalidRequest([{ field: 'body', reason: 'requis : un objet JSON (Content-Type: application/json)' }]);
      if (value === null || typeof value !== 'object' || Array.isArray(value)) throw invalidRequest([{ field: 'body', reason: 'doit être un objet JSON' }]);
    }
    return super.transform(value, metadata);
  }
}

export const validationPipe = (): ValidationPipe => new RequestValidationPipe();

/** Collects what is wrong with a request's query parameters or headers, to refuse it once with every field at fault. */
export class FieldErrors {
  private readonly errors: FieldError[] = [];

  add(field: string, reason: string): undefined {
    this.errors.push({ field, reason });
    return undefined;
  }

  /** Throws the 400 naming every field added, if any. */
  check(): void {
    if (this.errors.length) throw invalidRequest(this.errors);
  }
}

export const DATE_REASON = "n'est pas une date qui existe, écrite aaaa-mm-jj, jj/mm/aaaa ou jj.mm.aaaa";
export const INSTANT_REASON = "n'est pas un instant ISO 8601 qui existe, par exemple 2024-01-16T18:00:00Z";

const INSTANT = /^(\d{4}-\d{2}-\d{2})(?:T([01]\d|2[0-3]):([0-5]\d)(?::([0-5]\d)(?:\.\d{1,9})?)?(?:Z|[+-](?:[01]\d|2[0-3]):?[0-5]\d)?)?$/;

/** `?date=`, `?asOf=`: a business date, as ISO; undefined (and the error added) when it is not one. */
export function businessDateParam(errors: FieldErrors, field: string, value: string): string | undefined {
  return parseBusinessDate(value) ?? errors.add(field, DATE_REASON);
}

/** `?asKnownAt=`: an instant written in ISO 8601 on a day that exists, normalised to UTC. */
export function instantParam(errors: FieldErrors, field: string, value: string): string | undefined {
  const match = INSTANT.exec(value.trim());
  if (!match || !isBusinessDate(match[1]) || Number.isNaN(Date.parse(value.trim()))) return errors.add(field, INSTANT_REASON);
  return new Date(value.trim()).toISOString();
}

/** A whole number between min and max given as text (`?limit=`). */
export function wholeNumberParam(errors: FieldErrors, field: string, value: string, min: number, max: number): number | undefined {
  const n = /^\d{1,15}$/.test(value) ? Number(value) : NaN;
  if (!Number.isInteger(n) || n < min || n > max)
    return errors.add(field, `doit être un nombre entier de ${new Intl.NumberFormat('fr-FR').format(min)} à ${new Intl.NumberFormat('fr-FR').format(max)}`);
  return n;
}
