import { foldCommitment, type CommitmentEvent } from '@erbm/ledger/domain';
import { foldOperation, type OperationEvent } from './operation/operation';
import { DWELLINGS_TARGET, indicatorReport, operationIndicators } from './indicators';

const op = (id: string, dwellings: number, extra: OperationEvent[] = []) =>
  foldOperation([
    {
      type: 'habitat.OperationRegistered',
      data: {
        operationId: id,
        name: id,
        cite: id,
        communeInsee: '62498',
        arrondissement: '627',
        landlord: 'maisons_et_cites',
        dwellingsPlanned: dwellings,
        energyLabelBefore: 'G',
        energyLabelTarget: 'C',
        date: '2019-01-01',
      },
    },
    ...extra,
  ]);
const committedOn = (date: string) =>
  foldCommitment([
    {
      type: 'ledger.CommitmentAnnounced',
      data: {
        commitmentId: 'c',
        operationId: 'x',
        domain: 'habitat',
        financer: 'etat',
        fundingLine: 'etat-p135',
        fiscalYear: 2020,
        amountCents: 1,
        date: '2019-01-01',
      },
    },
    {
      type: 'ledger.CommitmentMade',
      data: { amountCents: 1, date, legalAct: { kind: 'arrete', reference: 'A', date }, decision: { meetingId: 'm', decisionId: 'd', date } },
    },
  ] as CommitmentEvent[]);

describe('habitat indicators', () => {
  const a = op('a', 200, [
    { type: 'habitat.OperationPhaseReached', data: { phase: 'works-started', date: '2020-05-01' } },
    { type: 'habitat.DwellingsDelivered', data: { dwellings: 50, date: '2021-01-01' } },
    { type: 'habitat.DwellingsDelivered', data: { dwellings: 70, date: '2022-01-01' } },
  ]);
  const b = op('b', 300);

  it('counts each operation as of a date, by its definition', () => {
    expect(operationIndicators(a, [committedOn('2020-02-01')], '2021-06-30')).toEqual({
      'dwellings-financed': 200,
      'dwellings-works-started': 200,
      'dwellings-delivered': 50,
    });
    expect(operationIndicators(a, [committedOn('2020-02-01')], '2020-01-31')).toEqual({
      'dwellings-financed': 0,
      'dwellings-works-started': 0,
      'dwellings-delivered': 0,
    });
    expect(operationIndicators(b, [], '2030-01-01')).toEqual({ 'dwellings-financed': 0, 'dwellings-works-started': 0, 'dwellings-delivered': 0 });
  });

  it('adds up over operations and compares with the 23,000 target', () => {
    const report = indicatorReport(
      [operationIndicators(a, [committedOn('2020-02-01')], '2022-12-31'), operationIndicators(b, [committedOn('2022-03-01')], '2022-12-31')],
      '2022-12-31',
    );
    expect(report.map((r) => [r.indicator, r.value, r.target, r.percentOfTarget])).toEqual([
      ['dwellings-financed', 500, DWELLINGS_TARGET, 2.2],
      ['dwellings-works-started', 200, DWELLINGS_TARGET, 0.9],
      ['dwellings-delivered', 120, DWELLINGS_TARGET, 0.5],
    ]);
    expect(report[0].definition).toMatch(/acte juridique/);
  });
});
