import { applyDecorators } from '@nestjs/common';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform, Type } from 'class-transformer';
import {
  ArrayMaxSize,
  IsArray,
  IsBoolean,
  IsDefined,
  IsIn,
  IsInt,
  IsOptional,
  IsString,
  Matches,
  Max,
  MaxLength,
  Min,
  ValidateBy,
  type ValidationArguments,
  ValidateNested,
} from 'class-validator';
import { MAX_AMOUNT_CENTS, formatEuros, isBusinessDate, isQpvCode, parseBusinessDate, parseEuroAmount } from '@erbm/shared/kernel';
import { invalidRequest } from './problem-details';

/**
 * The shapes of request bodies, each with its reason in French. A field at fault gets one reason, the first it fails
 * (the pipe stops at the first error of each field), so a missing field says it is required and nothing else.
 */
export const REQUIRED = 'champ requis';

interface FieldOptions {
  optional?: boolean;
  description?: string;
}

const presence = (optional: boolean | undefined) => (optional ? [IsOptional()] : [IsDefined({ message: REQUIRED })]);
const doc = (optional: boolean | undefined) => (optional ? ApiPropertyOptional : ApiProperty);

const blankless = () =>
  ValidateBy({
    name: 'isNotBlank',
    validator: { validate: (value: unknown) => typeof value === 'string' && value.trim() !== '', defaultMessage: () => 'ne peut pas être vide' },
  });

/** A business date: ISO "2023-01-16", or French "16/01/2023" and Chorus "16.01.2023", stored as ISO. A day that does not exist is refused. */
export function BusinessDate(options: FieldOptions = {}) {
  return applyDecorators(
    doc(options.optional)({
      type: String,
      example: '2023-01-16',
      description: options.description ?? 'Business date: yyyy-mm-dd, dd/mm/yyyy or dd.mm.yyyy',
    }),
    Transform(({ value }) => (typeof value === 'string' ? (parseBusinessDate(value) ?? value) : value)),
    ...presence(options.optional),
    ValidateBy({
      name: 'isBusinessDate',
      validator: {
        validate: (value: unknown) => isBusinessDate(value),
        defaultMessage: () => "n'est pas une date qui existe, écrite aaaa-mm-jj, jj/mm/aaaa ou jj.mm.aaaa",
      },
    }),
  );
}

/** A text, never blank. */
export function Text(options: FieldOptions & { max?: number; example?: string } = {}) {
  const max = options.max ?? 500;
  return applyDecorators(
    doc(options.optional)({ type: String, maxLength: max, description: options.description, example: options.example }),
    ...presence(options.optional),
    IsString({ message: 'doit être un texte' }),
    blankless(),
    MaxLength(max, { message: `${max} caractères au plus` }),
  );
}

/** A text of a given form, e.g. an INSEE code: `reason` says which. */
export function Pattern(pattern: RegExp, reason: string, options: FieldOptions & { example?: string } = {}) {
  return applyDecorators(
    doc(options.optional)({ type: String, pattern: pattern.source, description: options.description, example: options.example }),
    ...presence(options.optional),
    IsString({ message: 'doit être un texte' }),
    Matches(pattern, { message: reason }),
  );
}

export function OneOf(values: readonly string[], options: FieldOptions = {}) {
  return applyDecorators(
    doc(options.optional)({ enum: values, description: options.description }),
    ...presence(options.optional),
    IsIn(values as string[], { message: `doit valoir ${values.length > 1 ? "l'une des valeurs " : ''}${values.join(', ')}` }),
  );
}

const frenchNumber = (n: number) => new Intl.NumberFormat('fr-FR').format(n);

/** A whole number between `min` and `max`. */
export function WholeNumber(options: FieldOptions & { min: number; max: number; example?: number }) {
  return applyDecorators(
    doc(options.optional)({ type: Number, minimum: options.min, maximum: options.max, description: options.description, example: options.example }),
    ...presence(options.optional),
    IsInt({ message: 'doit être un nombre entier' }),
    Min(options.min, { message: `doit être au moins ${frenchNumber(options.min)}` }),
    Max(options.max, { message: `doit être au plus ${frenchNumber(options.max)}` }),
  );
}

export function YesNo(options: FieldOptions = {}) {
  return applyDecorators(
    doc(options.optional)({ type: Boolean, description: options.description }),
    ...presence(options.optional),
    IsBoolean({ message: 'vaut true ou false' }),
  );
}

export function Nested(type: () => new () => object, options: FieldOptions = {}) {
  return applyDecorators(
    // Swagger takes a function for a lazy type only if the function is named `type`; the arrow the caller passes has no
    // name, so Swagger would take it for a class without one and point to `#/components/schemas/`.
    doc(options.optional)({ type: () => type(), description: options.description }),
    ...presence(options.optional),
    ValidateNested({ message: 'doit être un objet' }),
    Type(type),
  );
}

/** A list of objects, each checked in turn (`amounts[2].financer`). */
export function NestedList(type: () => new () => object, options: FieldOptions & { max: number }) {
  return applyDecorators(
    doc(options.optional)({ type: [type()], maxItems: options.max, description: options.description }),
    ...presence(options.optional),
    IsArray({ message: 'doit être une liste' }),
    ArrayMaxSize(options.max, { message: `${options.max} éléments au plus` }),
    ValidateNested({ message: 'doit être un objet' }),
    Type(type),
  );
}

/** The other of the two amount fields: a request gives `amountCents` or `amount`, one of them. */
const other = (field: 'amountCents' | 'amount') => (field === 'amountCents' ? 'amount' : 'amountCents');

/**
 * One of the two fields of an amount. Undefined is accepted when the other is given (or when the amount is optional);
 * both at once are refused on `amount`. `minCents` is 1 for money that moves, 0 where zero means something.
 */
function AmountField(field: 'amountCents' | 'amount', options: { required: boolean; minCents: 0 | 1 }) {
  const check = (value: unknown, object: Record<string, unknown>): string | undefined => {
    // Both missing is said once, on amountCents.
    if (value === undefined)
      return field === 'amountCents' && options.required && object[other(field)] === undefined
        ? `${REQUIRED} : amountCents (centimes) ou amount (euros)`
        : undefined;
    if (field === 'amount' && object.amountCents !== undefined) return 'ne se donne pas avec amountCents : donnez l’un ou l’autre';
    const cents =
      field === 'amountCents' ? (Number.isSafeInteger(value) ? (value as number) : undefined) : typeof value === 'string' ? parseEuroAmount(value) : undefined;
    if (cents === undefined)
      return field === 'amountCents'
        ? 'doit être un nombre entier de centimes d’euro'
        : 'doit être un montant en euros, par exemple « 1 234 567,89 » (deux décimales au plus)';
    if (cents < options.minCents) return options.minCents === 0 ? 'ne peut pas être négatif' : 'doit être supérieur à zéro';
    if (cents > MAX_AMOUNT_CENTS) return `ne peut dépasser ${formatEuros(MAX_AMOUNT_CENTS)}`;
    return undefined;
  };
  return ValidateBy({
    name: 'isAmount',
    validator: {
      validate: (value: unknown, args?: ValidationArguments) => check(value, args?.object as Record<string, unknown>) === undefined,
      defaultMessage: (args?: ValidationArguments) => check(args?.value, args?.object as Record<string, unknown>) ?? '',
    },
  });
}

const amountDocs = (options: { minCents: 0 | 1 }) => ({
  amountCents: ApiPropertyOptional({
    type: Number,
    minimum: options.minCents,
    maximum: MAX_AMOUNT_CENTS,
    example: 12_345_678,
    description: 'Amount in euro cents (give this or amount)',
  }),
  amount: ApiPropertyOptional({
    type: String,
    example: '123 456,78',
    description: 'Amount in euros, French or international notation (give this or amountCents)',
  }),
});

const MOVING = amountDocs({ minCents: 1 });
const ZERO_OR_MORE = amountDocs({ minCents: 0 });

/** The amount in cents, from whichever of the two fields the request gave (the pipe checked that exactly one is). */
export function centsOf(request: { amountCents?: number; amount?: string }): number;
export function centsOf(request: { amountCents?: number; amount?: string }, required: false): number | undefined;
export function centsOf(request: { amountCents?: number; amount?: string }, required = true): number | undefined {
  const cents = request.amountCents ?? (request.amount !== undefined ? parseEuroAmount(request.amount) : undefined);
  if (cents === undefined && required) throw invalidRequest([{ field: 'amountCents', reason: `${REQUIRED} : amountCents (centimes) ou amount (euros)` }]);
  return cents;
}

export class SourceDocumentRequest {
  @OneOf(['arrete', 'deliberation', 'convention', 'avenant', 'ej', 'dp', 'service-fait', 'minutes', 'titre-de-recette', 'import', 'courrier', 'other'])
  kind!: string;

  @Text({ max: 200, example: 'Arrêté n° 2023-045' })
  reference!: string;

  @Pattern(/^[0-9a-f]{64}$/, 'doit être 64 chiffres hexadécimaux en minuscules', { optional: true, description: 'SHA-256 of the document file, hex' })
  sha256?: string;
}

/** What every write may say about its source: the document it records. */
export class WriteRequest {
  @Nested(() => SourceDocumentRequest, { optional: true, description: 'The document this fact comes from' })
  sourceDocument?: SourceDocumentRequest;
}

/** Money that moves (programmed, committed, paid…): more than zero, as integer cents (`amountCents`) or as euros written the French way (`amount`: "1 234,56"). */
export class MoneyRequest extends WriteRequest {
  @MOVING.amountCents
  @AmountField('amountCents', { required: true, minCents: 1 })
  amountCents?: number;

  @MOVING.amount
  @AmountField('amount', { required: true, minCents: 1 })
  amount?: string;
}

/** An amount that may be zero: what is announced, what a decision grants. */
export class AmountRequest extends WriteRequest {
  @ZERO_OR_MORE.amountCents
  @AmountField('amountCents', { required: true, minCents: 0 })
  amountCents?: number;

  @ZERO_OR_MORE.amount
  @AmountField('amount', { required: true, minCents: 0 })
  amount?: string;
}

/** An amount a request may leave out (a correction that changes only a date or a reference). */
export class OptionalAmountRequest extends WriteRequest {
  @ZERO_OR_MORE.amountCents
  @AmountField('amountCents', { required: false, minCents: 0 })
  amountCents?: number;

  @ZERO_OR_MORE.amount
  @AmountField('amount', { required: false, minCents: 0 })
  amount?: string;
}

/** Codes of quartiers prioritaires (QPV), 2015 (`QP059001`) or 2024 (`QN06201M`) geography, each once. */
export function QpvCodes(options: FieldOptions & { max?: number } = {}) {
  const max = options.max ?? 50;
  return applyDecorators(
    doc(options.optional)({
      type: [String],
      maxItems: max,
      description: options.description ?? 'Codes of the quartiers prioritaires (QPV): QP + 6 characters (2015 geography) or QN + 6 (2024)',
      example: ['QP062045'],
    }),
    ...presence(options.optional),
    IsArray({ message: 'doit être une liste' }),
    ArrayMaxSize(max, { message: `${max} éléments au plus` }),
    ValidateBy({
      name: 'qpvCodes',
      validator: {
        validate: (value: unknown) => Array.isArray(value) && value.every(isQpvCode) && new Set(value).size === value.length,
        defaultMessage: (args?: ValidationArguments) => {
          const codes = Array.isArray(args?.value) ? (args.value as unknown[]) : [];
          const bad = codes.filter((c) => !isQpvCode(c));
          return bad.length
            ? `${bad.map((c) => JSON.stringify(c)).join(', ')} : un code QPV s'écrit QP suivi de 6 caractères (géographie 2015, ex. QP059001) ou QN suivi de 6 (géographie 2024, ex. QN06201M)`
            : 'chaque code QPV ne se donne qu’une fois';
        },
      },
    }),
  );
}
