import { applyDecorators } from '@nestjs/common';
import { Transform } from 'class-transformer';
import { BusinessDate, OneOf, Text, WriteRequest } from '@erbm/shared/api';
import { BENEFICIARY_KINDS, type BeneficiaryKind } from '@erbm/ledger/domain';
import { normaliseIdentifier } from '@erbm/shared/kernel';

/** An identifier as people type it (`130 001 555 00031`, `w595012345`): its check is a rule of the decider (422). */
const Identifier = (description: string, example: string) =>
  applyDecorators(
    Transform(({ value }) => (typeof value === 'string' ? normaliseIdentifier(value) : value)),
    Text({ optional: true, max: 20, description, example }),
  );

export class IdentifiersRequest extends WriteRequest {
  @Identifier('SIRET: 14 digits, Luhn-checked (La Poste: sum of digits a multiple of 5)', '13000155500031')
  siret?: string;

  @Identifier("SIREN: 9 digits, Luhn-checked; the SIRET's first nine when both are given", '130001555')
  siren?: string;

  @Identifier('RNA number of an association: W and 9 characters', 'W595012345')
  rna?: string;
}

export class RegisterBeneficiaryRequest extends IdentifiersRequest {
  @Text({ max: 300, description: 'Legal name (raison sociale)', example: 'GIP REUSSIR EN SAMBRE AVESNOIS' })
  legalName!: string;

  @OneOf(BENEFICIARY_KINDS, { description: 'association, company, collectivite, public-body, person or unknown' })
  kind!: BeneficiaryKind;

  @BusinessDate({ optional: true, description: 'Business date of the registration (default: today)' })
  date?: string;
}

export class AddBeneficiaryNameRequest extends WriteRequest {
  @Text({ max: 300, description: 'Another name the beneficiary is known by (a file spells it so)', example: 'GIP RSA' })
  name!: string;

  @BusinessDate({ optional: true, description: 'Business date (default: today)' })
  date?: string;
}

export class ResolveBeneficiaryRequest extends IdentifiersRequest {
  @Text({ max: 1000, description: 'Why this identifier is the beneficiary’s (where it was found)' })
  reason!: string;

  @BusinessDate({ optional: true, description: 'Business date (default: today)' })
  date?: string;
}
