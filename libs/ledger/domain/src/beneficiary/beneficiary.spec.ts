import { RuleViolation } from '@erbm/shared/kernel';
import { deciderSpec } from '@erbm/shared/testing';
import { type BeneficiaryEvent, type SiretClaimEvent, beneficiaryDecider, decideSiretClaim, foldBeneficiary, foldSiretClaim } from './beneficiary';
import { commitmentDecider, decideCommitment } from '../commitment/commitment.decide';
import { foldCommitment } from '../commitment/commitment.state';
import type { CommitmentEvent } from '../commitment/commitment.events';

const TODAY = '2026-12-01';
const { given } = deciderSpec(beneficiaryDecider);
const register = {
  type: 'register' as const,
  beneficiaryId: 'b1',
  legalName: 'GIP REUSSIR EN SAMBRE AVESNOIS',
  kind: 'public-body' as const,
  date: '2023-01-16',
  today: TODAY,
};
const byName: BeneficiaryEvent = {
  type: 'beneficiary.Registered',
  data: { beneficiaryId: 'b2', legalName: 'CENTRE SOCIAL IMAGINE', kind: 'association', date: '2023-01-16' },
};

describe('beneficiary: none', () => {
  it('is registered by its SIRET, which brings its SIREN, and is resolved', () => {
    given([])
      .when({ ...register, siret: '13000155500031' })
      .then([
        {
          type: 'beneficiary.Registered',
          data: {
            beneficiaryId: 'b1',
            legalName: 'GIP REUSSIR EN SAMBRE AVESNOIS',
            kind: 'public-body',
            siret: '13000155500031',
            siren: '130001555',
            date: '2023-01-16',
          },
        },
      ]);
    const state = foldBeneficiary(beneficiaryDecider.decide({ ...register, siret: '13000155500031' }, { status: 'none' }));
    expect(state).toMatchObject({ status: 'resolved', siren: '130001555', otherNames: [] });
  });

  it('is registered by name only, unresolved (the FONJEP file gives no SIRET)', () => {
    given([])
      .when({ ...register, beneficiaryId: 'b2', legalName: '  CENTRE SOCIAL   IMAGINE ', kind: 'association' })
      .then([byName]);
    expect(foldBeneficiary([byName]).status).toBe('unresolved');
  });

  it('refuses identifiers that fail their checks, and a SIREN that is not the SIRET’s', () => {
    given([])
      .when({ ...register, siret: '13000155500032' })
      .thenRefuses('invalid-siret', 'siret');
    given([])
      .when({ ...register, siren: '130001556' })
      .thenRefuses('invalid-siren', 'siren');
    given([])
      .when({ ...register, rna: 'W59501234' })
      .thenRefuses('invalid-rna', 'rna');
    given([])
      .when({ ...register, siret: '13000155500031', siren: '200027159' })
      .thenRefuses('siret-not-of-siren', 'siren');
    given([])
      .when({ ...register, legalName: '   ' })
      .thenRefuses('beneficiary-name-required', 'legalName');
    given([])
      .when({ ...register, date: '2026-12-02' })
      .thenRefuses('date-after-today', 'date');
  });

  it('takes an association by its RNA alone, and La Poste by a SIRET only the sum of its digits vouches for', () => {
    expect(foldBeneficiary(beneficiaryDecider.decide({ ...register, kind: 'association', rna: 'W595012345' }, { status: 'none' }))).toMatchObject({
      status: 'resolved',
      rna: 'W595012345',
    });
    expect(foldBeneficiary(beneficiaryDecider.decide({ ...register, kind: 'company', siret: '35600000009075' }, { status: 'none' }))).toMatchObject({
      siren: '356000000',
    });
  });
});

describe('beneficiary: unresolved', () => {
  it('keeps every other name it is known by, once each whatever the case', () => {
    const added: BeneficiaryEvent = { type: 'beneficiary.NameAdded', data: { name: 'CS IMAGINE', date: '2023-02-01' } };
    given([byName]).when({ type: 'addName', name: 'CS IMAGINE', date: '2023-02-01', today: TODAY }).then([added]);
    expect(foldBeneficiary([byName, added])).toMatchObject({ legalName: 'CENTRE SOCIAL IMAGINE', otherNames: ['CS IMAGINE'], revision: 1 });
    given([byName, added]).when({ type: 'addName', name: 'cs imagine', date: '2023-02-01', today: TODAY }).thenRefuses('beneficiary-name-known', 'name');
    given([byName]).when({ type: 'addName', name: 'Centre social Imagine', date: '2023-02-01', today: TODAY }).thenRefuses('beneficiary-name-known');
  });

  it('is resolved with an identifier and a reason, which its state keeps', () => {
    const resolved: BeneficiaryEvent = {
      type: 'beneficiary.Resolved',
      data: { siret: '39231384700015', siren: '392313847', reason: 'avis de situation Sirene du 3 mars', date: '2023-03-03' },
    };
    given([byName])
      .when({ type: 'resolve', siret: '39231384700015', reason: ' avis de situation Sirene du 3 mars ', date: '2023-03-03', today: TODAY })
      .then([resolved]);
    expect(foldBeneficiary([byName, resolved])).toMatchObject({
      status: 'resolved',
      siret: '39231384700015',
      resolvedOn: '2023-03-03',
      resolutionReason: 'avis de situation Sirene du 3 mars',
    });
  });

  it('is not resolved without a reason, without an identifier, or with a wrong one', () => {
    given([byName]).when({ type: 'resolve', siret: '39231384700015', date: '2023-03-03', today: TODAY }).thenRefuses('reason-required', 'reason');
    given([byName]).when({ type: 'resolve', reason: 'vu', date: '2023-03-03', today: TODAY }).thenRefuses('beneficiary-identifier-required');
    given([byName]).when({ type: 'resolve', siret: '39231384700016', reason: 'vu', date: '2023-03-03', today: TODAY }).thenRefuses('invalid-siret');
  });
});

describe('beneficiary: resolved', () => {
  it('is not resolved again, nor registered twice', () => {
    const resolved: BeneficiaryEvent = { type: 'beneficiary.Resolved', data: { rna: 'W595012345', reason: 'récépissé', date: '2023-03-03' } };
    given([byName, resolved])
      .when({ type: 'resolve', rna: 'W622000987', reason: 'autre', date: '2023-03-04', today: TODAY })
      .thenRefuses('beneficiary-already-resolved');
    given([byName])
      .when({ ...register, beneficiaryId: 'b2' })
      .thenRefuses('beneficiary-exists');
  });
  it('names nothing before it is registered', () => {
    given([]).when({ type: 'addName', name: 'X', date: '2023-01-01', today: TODAY }).thenRefuses('beneficiary-not-registered');
  });
});

describe('the claim of a SIRET', () => {
  const claim = { siret: '13000155500031', beneficiaryId: 'b1' };
  const claimed: SiretClaimEvent = { type: 'beneficiary.SiretClaimed', data: claim };

  it('is taken by the first beneficiary; the same one claims nothing twice', () => {
    expect(decideSiretClaim(claim, { status: 'free' })).toEqual([claimed]);
    expect(decideSiretClaim(claim, foldSiretClaim([claimed]))).toEqual([]);
  });

  it('refuses another beneficiary, naming the one that holds it', () => {
    let refusal: unknown;
    try {
      decideSiretClaim({ ...claim, beneficiaryId: 'b9' }, foldSiretClaim([claimed]));
    } catch (error) {
      refusal = error;
    }
    expect(refusal).toBeInstanceOf(RuleViolation);
    expect(refusal).toMatchObject({ rule: 'beneficiary-siret-exists', field: 'siret', details: { beneficiaryId: 'b1' } });
    // A later claim in the stream, were there one, does not take it over.
    expect(foldSiretClaim([claimed, { type: 'beneficiary.SiretClaimed', data: { ...claim, beneficiaryId: 'b9' } }])).toMatchObject({ beneficiaryId: 'b1' });
  });
});

describe('the beneficiary of a commitment', () => {
  const announced: CommitmentEvent = {
    type: 'ledger.CommitmentAnnounced',
    data: {
      commitmentId: 'c1',
      operationId: 'op1',
      domain: 'habitat',
      financer: 'etat',
      fundingLine: 'etat-p135',
      fiscalYear: 2022,
      amountCents: 100_00,
      date: '2022-11-01',
    },
  };
  const commitment = deciderSpec(commitmentDecider).given;

  it('is named at the announcement, or none: an old commitment folds with none', () => {
    const events = decideCommitment(
      {
        type: 'announce',
        commitmentId: 'c1',
        operationId: 'op1',
        domain: 'habitat',
        financer: 'etat',
        fundingLine: 'etat-p135',
        fiscalYear: 2022,
        amountCents: 100_00,
        date: '2022-11-01',
        beneficiaryId: 'b1',
        today: TODAY,
      },
      { status: 'none' },
    );
    expect(events[0].data).toMatchObject({ beneficiaryId: 'b1' });
    expect(foldCommitment(events)).toMatchObject({ beneficiaryId: 'b1' });
    const old = foldCommitment([announced]);
    expect(old.status !== 'none' && old.beneficiaryId).toBeUndefined();
  });

  it('is set or changed with a reason, even once the commitment has ended, and never to the one it has', () => {
    const assigned: CommitmentEvent = {
      type: 'ledger.CommitmentBeneficiaryAssigned',
      data: { beneficiaryId: 'b1', date: '2023-05-01', reason: 'fichier FONJEP' },
    };
    commitment([announced])
      .when({ type: 'assignBeneficiary', beneficiaryId: 'b1', date: '2023-05-01', reason: 'fichier FONJEP', today: TODAY })
      .then([assigned]);
    const closed: CommitmentEvent = { type: 'ledger.CommitmentClosed', data: { date: '2023-04-01' } };
    commitment([announced, closed])
      .when({ type: 'assignBeneficiary', beneficiaryId: 'b1', date: '2023-05-01', reason: 'fichier FONJEP', today: TODAY })
      .then([assigned]);
    expect(foldCommitment([announced, closed, assigned])).toMatchObject({ status: 'closed', beneficiaryId: 'b1', revision: 2 });
    commitment([announced, assigned])
      .when({ type: 'assignBeneficiary', beneficiaryId: 'b1', date: '2023-05-02', reason: 'encore', today: TODAY })
      .thenRefuses('same-beneficiary', 'beneficiaryId');
    commitment([announced]).when({ type: 'assignBeneficiary', beneficiaryId: 'b2', date: '2023-05-01', today: TODAY }).thenRefuses('reason-required', 'reason');
    commitment([])
      .when({ type: 'assignBeneficiary', beneficiaryId: 'b2', date: '2023-05-01', reason: 'x', today: TODAY })
      .thenRefuses('commitment-not-announced');
  });
});
