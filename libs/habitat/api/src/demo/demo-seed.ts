import type { CommandBus } from '@nestjs/cqrs';
import { type CommandContext, newIdFor } from '@erbm/shared/api';
import {
  AnnounceCommitment,
  type AnnounceCommitmentRequest,
  type ProgrammeRequest,
  ProgrammeCommitment,
  RecordCommitmentStep,
  RecordMeeting,
  type StepBuilder,
  steps,
} from '@erbm/ledger/api';
import { type OperationRequestCommand, RecordOperationFact } from '../operations/record-operation-fact';

/** Every demo fact says so, in its actor's organisation, its source document and the names of its operations. */
export const DEMO_ORGANISATION = 'DÉMONSTRATION — données fictives';
const DEMO_SOURCE = { kind: 'import', reference: 'DÉMO — jeu de données fictif, ne pas utiliser comme donnée réelle' };

interface DemoCommitment {
  financer: string;
  fundingLine: string;
  euros: number;
  announced: string;
  legalAct: { kind: 'ej' | 'arrete' | 'convention' | 'deliberation'; reference: string; date: string };
  payments: { kind: 'advance' | 'interim' | 'balance'; euros: number; date: string }[];
}

interface DemoOperation {
  name: string;
  communeInsee: string;
  landlord: string;
  dwellingsPlanned: number;
  energyLabelBefore: 'E' | 'F' | 'G';
  energyLabelTarget: 'A' | 'B' | 'C';
  eligibleCostEuros: number;
  registered: string;
  body: string;
  meetingDate: string;
  worksStarted?: string;
  deliveries: { dwellings: number; date: string }[];
  commitments: DemoCommitment[];
}

const OPERATIONS: DemoOperation[] = [
  {
    name: '[DÉMO] Cité des Alouettes',
    communeInsee: '62498',
    landlord: 'maisons_et_cites',
    dwellingsPlanned: 180,
    energyLabelBefore: 'G',
    energyLabelTarget: 'C',
    eligibleCostEuros: 9_000_000,
    registered: '2018-09-03',
    body: 'comite-partenarial-625',
    meetingDate: '2018-11-15',
    worksStarted: '2019-10-01',
    deliveries: [
      { dwellings: 60, date: '2020-12-15' },
      { dwellings: 70, date: '2021-11-30' },
    ],
    commitments: [
      {
        financer: 'etat',
        fundingLine: 'etat-p135',
        euros: 1_800_000,
        announced: '2018-09-03',
        legalAct: { kind: 'ej', reference: '2100000001', date: '2019-02-11' },
        payments: [
          { kind: 'advance', euros: 540_000, date: '2019-06-03' },
          { kind: 'interim', euros: 700_000, date: '2021-03-01' },
        ],
      },
      {
        financer: 'region_hdf',
        fundingLine: 'region-erbm',
        euros: 900_000,
        announced: '2018-09-03',
        legalAct: { kind: 'deliberation', reference: 'DÉMO-CP-2019-0412', date: '2019-04-05' },
        payments: [{ kind: 'interim', euros: 450_000, date: '2021-06-01' }],
      },
      {
        financer: 'ca_lens_lievin',
        fundingLine: 'epci-ca_lens_lievin',
        euros: 300_000,
        announced: '2018-09-03',
        legalAct: { kind: 'deliberation', reference: 'DÉMO-CALL-2019-77', date: '2019-05-20' },
        payments: [],
      },
      {
        financer: 'maisons_et_cites',
        fundingLine: 'fonds-propres-maisons_et_cites',
        euros: 3_000_000,
        announced: '2018-09-03',
        legalAct: { kind: 'convention', reference: 'DÉMO-MC-CONV-12', date: '2019-02-01' },
        payments: [],
      },
    ],
  },
  {
    name: '[DÉMO] Cité du Moulin',
    communeInsee: '59569',
    landlord: 'maisons_et_cites',
    dwellingsPlanned: 120,
    energyLabelBefore: 'F',
    energyLabelTarget: 'B',
    eligibleCostEuros: 6_000_000,
    registered: '2019-01-14',
    body: 'comite-partenarial-593',
    meetingDate: '2019-03-21',
    worksStarted: '2020-09-14',
    deliveries: [{ dwellings: 40, date: '2022-03-01' }],
    commitments: [
      {
        financer: 'etat',
        fundingLine: 'etat-p135',
        euros: 1_200_000,
        announced: '2019-01-14',
        legalAct: { kind: 'ej', reference: '2100000002', date: '2019-06-17' },
        payments: [{ kind: 'advance', euros: 360_000, date: '2019-09-02' }],
      },
      {
        financer: 'cd59',
        fundingLine: 'cd59-habitat',
        euros: 400_000,
        announced: '2019-01-14',
        legalAct: { kind: 'deliberation', reference: 'DÉMO-CD59-2019-311', date: '2019-07-01' },
        payments: [],
      },
      {
        financer: 'ca_douaisis',
        fundingLine: 'epci-ca_douaisis',
        euros: 250_000,
        announced: '2019-01-14',
        legalAct: { kind: 'convention', reference: 'DÉMO-DA-2019-08', date: '2019-09-10' },
        payments: [],
      },
    ],
  },
  {
    name: '[DÉMO] Cité des Glycines',
    communeInsee: '59172',
    landlord: 'sia_habitat',
    dwellingsPlanned: 95,
    energyLabelBefore: 'F',
    energyLabelTarget: 'B',
    eligibleCostEuros: 4_750_000,
    registered: '2019-02-04',
    body: 'comite-partenarial-596',
    meetingDate: '2019-05-09',
    deliveries: [],
    commitments: [
      {
        financer: 'etat',
        fundingLine: 'etat-p135',
        euros: 950_000,
        announced: '2019-02-04',
        legalAct: { kind: 'ej', reference: '2100000003', date: '2019-10-07' },
        payments: [],
      },
      {
        financer: 'region_hdf',
        fundingLine: 'region-erbm',
        euros: 475_000,
        announced: '2019-02-04',
        legalAct: { kind: 'deliberation', reference: 'DÉMO-CP-2019-0988', date: '2019-11-08' },
        payments: [],
      },
      {
        financer: 'union_europeenne',
        fundingLine: 'feder-2014-2020',
        euros: 600_000,
        announced: '2019-02-04',
        legalAct: { kind: 'convention', reference: 'DÉMO-FEDER-NPDC-0456', date: '2020-01-20' },
        payments: [],
      },
    ],
  },
  {
    name: '[DÉMO] Cité Saint-Exupéry',
    communeInsee: '62178',
    landlord: 'maisons_et_cites',
    dwellingsPlanned: 140,
    energyLabelBefore: 'E',
    energyLabelTarget: 'B',
    eligibleCostEuros: 7_000_000,
    registered: '2019-03-11',
    body: 'comite-partenarial-622',
    meetingDate: '2019-06-13',
    worksStarted: '2020-03-02',
    deliveries: [{ dwellings: 140, date: '2022-06-30' }],
    commitments: [
      {
        financer: 'etat',
        fundingLine: 'etat-p135',
        euros: 1_400_000,
        announced: '2019-03-11',
        legalAct: { kind: 'ej', reference: '2100000004', date: '2019-09-16' },
        payments: [
          { kind: 'advance', euros: 560_000, date: '2019-11-04' },
          { kind: 'balance', euros: 840_000, date: '2022-12-12' },
        ],
      },
      {
        financer: 'cd62',
        fundingLine: 'cd62-habitat',
        euros: 350_000,
        announced: '2019-03-11',
        legalAct: { kind: 'deliberation', reference: 'DÉMO-CD62-2019-145', date: '2019-10-14' },
        payments: [],
      },
      {
        financer: 'ca_bbalr',
        fundingLine: 'epci-ca_bbalr',
        euros: 280_000,
        announced: '2019-03-11',
        legalAct: { kind: 'deliberation', reference: 'DÉMO-CABBALR-2019-63', date: '2019-12-03' },
        payments: [],
      },
    ],
  },
];

/**
 * Seeds the demo: four cités, one per arrondissement, each with several financers, meetings that programmed them,
 * legal acts and payments, each after its service fait and its payment request (one advance above the 30 % ceiling,
 * to show a warning). Ids derive from fixed keys, so a second seeding of the same database writes nothing.
 */
export async function seedHabitatDemo(commands: CommandBus): Promise<{ operations: number; commitments: number; meetings: number }> {
  let n = 0;
  const ctx = (): CommandContext => ({
    principal: { userId: 'demo-seed', role: 'admin', organisation: DEMO_ORGANISATION },
    correlationId: 'demo-seed',
    idempotencyKey: `demo-seed-${++n}`,
  });
  await commands.execute(
    new RecordMeeting(
      'habitat',
      'demo-copil-2018',
      { type: 'hold', meetingId: 'demo-copil-2018', body: 'copil', date: '2018-06-28', place: '[DÉMO] Préfecture de région, Lille' },
      { sourceDocument: DEMO_SOURCE },
      ctx(),
      true,
    ),
  );
  await commands.execute(
    new RecordMeeting(
      'habitat',
      'demo-copil-2018',
      { type: 'takeDecision', decisionId: 'D1', subject: '[DÉMO] Liste des cités retenues pour une rénovation intégrée', outcome: 'approved', amounts: [] },
      { sourceDocument: DEMO_SOURCE },
      ctx(),
      false,
    ),
  );
  let commitments = 0;
  for (const [index, op] of OPERATIONS.entries()) {
    const meetingId = `demo-meeting-${index + 1}`;
    await commands.execute(
      new RecordMeeting(
        'habitat',
        meetingId,
        { type: 'hold', meetingId, body: op.body, date: op.meetingDate, place: '[DÉMO] Sous-préfecture' },
        { sourceDocument: DEMO_SOURCE },
        ctx(),
        true,
      ),
    );
    await commands.execute(
      new RecordMeeting(
        'habitat',
        meetingId,
        {
          type: 'takeDecision',
          decisionId: 'D1',
          subject: `Programmation : ${op.name}`,
          outcome: 'approved',
          amounts: op.commitments.map((c) => ({ financer: c.financer, fundingLine: c.fundingLine, amountCents: c.euros * 100 })),
        },
        { sourceDocument: DEMO_SOURCE },
        ctx(),
        false,
      ),
    );
    const registerCtx = ctx();
    const operationId = newIdFor(registerCtx, 'operation');
    // The handler derives the arrondissement from the commune, as it does for a request.
    const register = {
      type: 'register',
      operationId,
      date: op.registered,
      name: op.name,
      cite: op.name.replace('[DÉMO] ', ''),
      communeInsee: op.communeInsee,
      landlord: op.landlord,
      dwellingsPlanned: op.dwellingsPlanned,
      energyLabelBefore: op.energyLabelBefore,
      energyLabelTarget: op.energyLabelTarget,
      eligibleCostCents: op.eligibleCostEuros * 100,
    } as OperationRequestCommand;
    const operation = await commands.execute(new RecordOperationFact(operationId, register, { sourceDocument: DEMO_SOURCE }, registerCtx));
    for (const c of op.commitments) {
      const announced = await commands.execute(
        new AnnounceCommitment(
          'habitat',
          operation.id,
          {
            financer: c.financer,
            fundingLine: c.fundingLine,
            amountCents: c.euros * 100,
            date: c.announced,
            sourceDocument: DEMO_SOURCE,
          } as AnnounceCommitmentRequest,
          ctx(),
        ),
      );
      const step = (build: StepBuilder) =>
        commands.execute(new RecordCommitmentStep('habitat', announced.view.id, build, { sourceDocument: DEMO_SOURCE }, ctx()));
      await commands.execute(
        new ProgrammeCommitment(
          'habitat',
          announced.view.id,
          { amountCents: c.euros * 100, date: op.meetingDate, decision: { meetingId, decisionId: 'D1' }, sourceDocument: DEMO_SOURCE } as ProgrammeRequest,
          ctx(),
        ),
      );
      await step(steps.commit({ amountCents: c.euros * 100, date: c.legalAct.date, legalAct: c.legalAct }));
      for (const [i, p] of c.payments.entries()) {
        const reference = `DÉMO-DP-${index + 1}-${i + 1}`;
        await step(steps.certify({ amountCents: p.euros * 100, date: p.date, reference: `DÉMO-SF-${index + 1}-${i + 1}` }));
        await step(steps.order({ amountCents: p.euros * 100, date: p.date, reference }));
        await step(steps.pay({ amountCents: p.euros * 100, kind: p.kind, date: p.date, reference }));
      }
      commitments++;
    }
    if (op.worksStarted) {
      await commands.execute(
        new RecordOperationFact(operation.id, { type: 'recordPhase', phase: 'studies', date: op.meetingDate }, { sourceDocument: DEMO_SOURCE }, ctx()),
      );
      await commands.execute(
        new RecordOperationFact(operation.id, { type: 'recordPhase', phase: 'works-started', date: op.worksStarted }, { sourceDocument: DEMO_SOURCE }, ctx()),
      );
    }
    for (const d of op.deliveries)
      await commands.execute(
        new RecordOperationFact(operation.id, { type: 'recordDelivery', dwellings: d.dwellings, date: d.date }, { sourceDocument: DEMO_SOURCE }, ctx()),
      );
    if (op.deliveries.reduce((s, d) => s + d.dwellings, 0) === op.dwellingsPlanned)
      await commands.execute(
        new RecordOperationFact(
          operation.id,
          { type: 'recordPhase', phase: 'delivered', date: op.deliveries[op.deliveries.length - 1].date },
          { sourceDocument: DEMO_SOURCE },
          ctx(),
        ),
      );
  }
  return { operations: OPERATIONS.length, commitments, meetings: OPERATIONS.length + 1 };
}
