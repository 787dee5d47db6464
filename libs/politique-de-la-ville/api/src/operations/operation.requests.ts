import { BusinessDate, OneOf, Pattern, QpvCodes, Text, WholeNumber, WriteRequest } from '@erbm/shared/api';
import { MAX_AMOUNT_CENTS } from '@erbm/shared/kernel';
import { OPERATION_KINDS } from '@erbm/politique-de-la-ville/contracts';
import { DEPARTEMENTS, DISPOSITIFS } from '@erbm/politique-de-la-ville/domain';
import { IsNumber, IsOptional, Max, Min } from 'class-validator';
import { ApiPropertyOptional } from '@nestjs/swagger';

const Insee = () =>
  Pattern(/^\d[\dAB]\d{3}$/, 'doit être un code INSEE de commune à 5 caractères', {
    optional: true,
    example: '59178',
    description: 'INSEE code of the commune (see /referentials/communes), when the operation has one; the arrondissement follows from it',
  });

const ContratDeVille = () =>
  Pattern(/^CV\d{3}$/, 'doit être un code de contrat de ville (CV et trois chiffres, voir /referentials/contrats-de-ville)', {
    optional: true,
    example: 'CV219',
    description: 'Code of the contrat de ville; its EPCI places the operation when no commune is given',
  });

const Cents = () => WholeNumber({ optional: true, min: 0, max: MAX_AMOUNT_CENTS, example: 4_500_000, description: "An action's cost, in euro cents" });

const Quotite = () => (target: object, key: string) => {
  IsOptional()(target, key);
  IsNumber({ allowNaN: false, allowInfinity: false, maxDecimalPlaces: 2 }, { message: 'doit être un nombre (deux décimales au plus)' })(target, key);
  Min(0.01, { message: 'doit être supérieur à 0' })(target, key);
  Max(1, { message: 'ne dépasse pas 1 (un temps plein)' })(target, key);
  ApiPropertyOptional({ type: Number, example: 1, description: 'Share of a full-time post (posts only)' })(target, key);
};

export class RegisterOperationRequest extends WriteRequest {
  @OneOf(OPERATION_KINDS, { description: 'A post (adulte-relais, FONJEP) or an action in a contrat de ville' })
  kind!: (typeof OPERATION_KINDS)[number];

  @OneOf(DISPOSITIFS.map((d) => d.code), { description: 'Code of the dispositif (see /politique-de-la-ville/dispositifs)' })
  dispositif!: string;

  @Text({ max: 200, example: 'Médiation sociale au quartier Lens-Sud' })
  name!: string;

  @OneOf(DEPARTEMENTS, { optional: true, description: "Département ('59', '62'…); from the commune or the contrat de ville when not given" })
  departement?: string;

  @ContratDeVille()
  contratDeVille?: string;

  @Insee()
  communeInsee?: string;

  @QpvCodes({ optional: true, description: 'Codes of the quartiers prioritaires (QPV) the operation serves' })
  qpv?: string[];

  @Text({ optional: true, max: 100, description: 'Id of the beneficiary: the employer of a post, the association of an action (see /beneficiaries)' })
  beneficiaryId?: string;

  @Pattern(/^[A-Z0-9]{4,20}$/, 'fait de 4 à 20 lettres majuscules et chiffres', {
    optional: true,
    example: '06212R0008',
    description: "A post's id, without its convention version",
  })
  postId?: string;

  @Quotite()
  quotite?: number;

  @Cents()
  eligibleCostCents?: number;

  @BusinessDate({ description: 'Date the operation was registered in the programme' })
  date!: string;
}

export class AmendOperationRequest extends WriteRequest {
  @Text({ optional: true, max: 200 })
  name?: string;

  @OneOf(DISPOSITIFS.map((d) => d.code), { optional: true })
  dispositif?: string;

  @ContratDeVille()
  contratDeVille?: string;

  @Insee()
  communeInsee?: string;

  @QpvCodes({ optional: true })
  qpv?: string[];

  @Text({ optional: true, max: 100 })
  beneficiaryId?: string;

  @Quotite()
  quotite?: number;

  @Cents()
  eligibleCostCents?: number;

  @Text({ max: 1000, description: 'Why the operation is amended' })
  reason!: string;

  @BusinessDate()
  date!: string;
}
