import { applyDecorators } from '@nestjs/common';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform, Type } from 'class-transformer';
import { IsIn, IsInt, IsNotEmpty, IsOptional, IsString, Matches, MaxLength, Min, ValidateNested, registerDecorator } from 'class-validator';
import { MAX_AMOUNT_CENTS, parseBusinessDate, parseEuroAmount } from '@erbm/shared/kernel';
import { ProblemException } from './problem-details';

/** A business date: ISO "2023-01-16", or French "16/01/2023" and Chorus "16.01.2023", stored as ISO. */
export function BusinessDate(options: { optional?: boolean; description?: string } = {}) {
  return applyDecorators(
    (options.optional ? ApiPropertyOptional : ApiProperty)({
      type: String,
      example: '2023-01-16',
      description: options.description ?? 'Business date: yyyy-mm-dd, dd/mm/yyyy or dd.mm.yyyy',
    }),
    Transform(({ value }) => (typeof value === 'string' ? (parseBusinessDate(value) ?? value) : value)),
    ...(options.optional ? [IsOptional()] : []),
    Matches(/^\d{4}-\d{2}-\d{2}$/, { message: '$property must be a real date: yyyy-mm-dd, dd/mm/yyyy or dd.mm.yyyy' }),
  );
}

export function Text(options: { optional?: boolean; max?: number; description?: string; example?: string } = {}) {
  return applyDecorators(
    (options.optional ? ApiPropertyOptional : ApiProperty)({
      type: String,
      maxLength: options.max ?? 500,
      description: options.description,
      example: options.example,
    }),
    ...(options.optional ? [IsOptional()] : []),
    IsString(),
    IsNotEmpty(),
    MaxLength(options.max ?? 500),
  );
}

export function OneOf(values: readonly string[], options: { optional?: boolean; description?: string } = {}) {
  return applyDecorators(
    (options.optional ? ApiPropertyOptional : ApiProperty)({ enum: values, description: options.description }),
    ...(options.optional ? [IsOptional()] : []),
    IsIn(values as string[], { message: `$property must be one of: ${values.join(', ')}` }),
  );
}

export function Nested(type: () => new () => object, options: { optional?: boolean; description?: string } = {}) {
  return applyDecorators(
    // Swagger takes a function for a lazy type only if the function is named `type`; the arrow the caller passes has no
    // name, so Swagger would take it for a class without one and point to `#/components/schemas/`.
    (options.optional ? ApiPropertyOptional : ApiProperty)({ type: () => type(), description: options.description }),
    ...(options.optional ? [IsOptional()] : []),
    ValidateNested(),
    Type(type),
  );
}

function IsEuroAmount() {
  return (object: object, propertyName: string) =>
    registerDecorator({
      name: 'isEuroAmount',
      target: object.constructor,
      propertyName,
      validator: {
        validate: (value: unknown) => typeof value === 'string' && (parseEuroAmount(value) ?? -1) >= 0,
        defaultMessage: () => `${propertyName} must be an amount in euros such as "1 234 567,89" (at most two decimals, not negative)`,
      },
    });
}

/** The amount in cents, from exactly one of the two fields. */
export function centsOf(request: MoneyRequest): number;
export function centsOf(request: MoneyRequest, required: false): number | undefined;
export function centsOf(request: MoneyRequest, required = true): number | undefined {
  if (request.amountCents !== undefined && request.amount !== undefined)
    throw ProblemException.of(400, 'invalid-request', 'Invalid request', 'Give amountCents or amount, not both', {
      field: 'amount',
      errors: [{ field: 'amount', reason: 'amountCents is also given' }],
    });
  const cents = request.amountCents ?? (request.amount !== undefined ? parseEuroAmount(request.amount) : undefined);
  if (cents === undefined) {
    if (!required) return undefined;
    throw ProblemException.of(400, 'invalid-request', 'Invalid request', 'amountCents (integer cents) or amount (euros) is required', {
      field: 'amountCents',
      errors: [{ field: 'amountCents', reason: 'is required' }],
    });
  }
  if (cents > MAX_AMOUNT_CENTS)
    throw ProblemException.of(400, 'invalid-request', 'Invalid request', 'The amount exceeds 100 bn€', {
      field: 'amountCents',
      errors: [{ field: 'amountCents', reason: 'too large' }],
    });
  return cents;
}

export class SourceDocumentRequest {
  @OneOf(['arrete', 'deliberation', 'convention', 'avenant', 'ej', 'dp', 'service-fait', 'minutes', 'titre-de-recette', 'import', 'courrier', 'other'])
  kind!: string;

  @Text({ max: 200, example: 'Arrêté n° 2023-045' })
  reference!: string;

  @ApiPropertyOptional({ description: 'SHA-256 of the document file, hex' })
  @IsOptional()
  @Matches(/^[0-9a-f]{64}$/, { message: 'sha256 must be 64 lowercase hex digits' })
  sha256?: string;
}

/** What every write may say about its source: the document it records. */
export class WriteRequest {
  @Nested(() => SourceDocumentRequest, { optional: true, description: 'The document this fact comes from' })
  sourceDocument?: SourceDocumentRequest;
}

/** Money comes as integer cents (`amountCents`) or as euros written the French way (`amount`: "1 234,56"). */
export class MoneyRequest extends WriteRequest {
  @ApiPropertyOptional({ type: Number, example: 12_345_678, description: 'Amount in euro cents (give this or amount)' })
  @IsOptional()
  @IsInt()
  @Min(0)
  amountCents?: number;

  @ApiPropertyOptional({ type: String, example: '123 456,78', description: 'Amount in euros, French or international notation (give this or amountCents)' })
  @IsOptional()
  @IsEuroAmount()
  amount?: string;
}
