import { ValidationPipe, type ValidationError } from '@nestjs/common';
import { ProblemException } from './problem-details';

function flatten(errors: ValidationError[], parent = ''): { field: string; reason: string }[] {
  return errors.flatMap((e) => {
    const field = parent ? (/^\d+$/.test(e.property) ? `${parent}[${e.property}]` : `${parent}.${e.property}`) : e.property;
    const own = Object.values(e.constraints ?? {}).map((reason) => ({ field, reason }));
    return [...own, ...flatten(e.children ?? [], field)];
  });
}

/** Shape at the edge: unknown fields refused, every field at fault named, in a problem+json 400. */
export const validationPipe = () =>
  new ValidationPipe({
    whitelist: true,
    forbidNonWhitelisted: true,
    transform: true,
    validationError: { target: false, value: false },
    exceptionFactory: (errors) => {
      const list = flatten(errors);
      return ProblemException.of(400, 'invalid-request', 'Invalid request', list.map((e) => `${e.field}: ${e.reason}`).join('; '), {
        field: list[0]?.field,
        errors: list,
      });
    },
  });
