import type { CommandBus } from '@nestjs/cqrs';
import { type CommandContext, newIdFor } from '@erbm/shared/api';
import {
  AnnounceCommitment,
  type AnnounceCommitmentRequest,
  ProgrammeCommitment,
  type ProgrammeRequest,
  RecordCommitmentStep,
  RecordMeeting,
  steps,
} from '@erbm/ledger/api';
import { POLITIQUE_DE_LA_VILLE_DOMAIN } from '@erbm/politique-de-la-ville/contracts';
import { RecordPolitiqueDeLaVilleOperationFact } from '../operations/record-operation-fact';

/** Every demo fact says so, in its actor's organisation, its source document and the names of its operations. */
const DEMO_ORGANISATION = 'DÉMONSTRATION — données fictives';
const DEMO_SOURCE = { kind: 'import', reference: 'DÉMO — jeu de données fictif, ne pas utiliser comme donnée réelle' };
const BODY = 'comite-strategique-politique-ville';

interface DemoAction {
  name: string;
  dispositif: string;
  communeInsee: string;
  contratDeVille: string;
  qpv: string[];
  costEuros: number;
  registered: string;
  /** Each financer's share: the State on P147, the EPCI of the contrat de ville on its own line. */
  commitments: { financer: string; fundingLine: string; euros: number; legalAct: { kind: 'arrete' | 'deliberation'; reference: string; date: string } }[];
}

const ACTIONS: DemoAction[] = [
  {
    name: '[DÉMO] Médiation sociale et tranquillité à Lens-Sud',
    dispositif: 'actions-contrats-de-ville',
    communeInsee: '62498',
    contratDeVille: 'CV219',
    qpv: ['QP062045'],
    costEuros: 60_000,
    registered: '2023-02-06',
    commitments: [
      { financer: 'etat', fundingLine: 'etat-p147', euros: 30_000, legalAct: { kind: 'arrete', reference: 'DÉMO-P147-2023-014', date: '2023-04-12' } },
      {
        financer: 'ca_lens_lievin',
        fundingLine: 'epci-ca_lens_lievin',
        euros: 15_000,
        legalAct: { kind: 'deliberation', reference: 'DÉMO-CALL-2023-31', date: '2023-05-02' },
      },
    ],
  },
  {
    name: '[DÉMO] Cordée de la réussite du Douaisis',
    dispositif: 'cordees-de-la-reussite',
    communeInsee: '59178',
    contratDeVille: 'CV194',
    qpv: [],
    costEuros: 24_000,
    registered: '2023-03-01',
    commitments: [
      { financer: 'etat', fundingLine: 'etat-p147', euros: 18_000, legalAct: { kind: 'arrete', reference: 'DÉMO-P147-2023-027', date: '2023-05-15' } },
    ],
  },
];

/**
 * Seeds the demo: two actions in contrats de ville, programmed by one meeting of the comité stratégique and committed
 * by their acts. The posts are real data: `npm run import -- adultes-relais …` loads them. Ids derive from fixed keys,
 * so a second seeding of the same database writes nothing.
 */
export async function seedPolitiqueDeLaVilleDemo(commands: CommandBus): Promise<{ operations: number; commitments: number }> {
  let n = 0;
  const ctx = (): CommandContext => ({
    principal: { userId: 'demo-seed', role: 'admin', organisation: DEMO_ORGANISATION },
    correlationId: 'demo-seed-politique-de-la-ville',
    idempotencyKey: `demo-seed-politique-de-la-ville-${++n}`,
  });
  const meetingId = 'demo-comite-strategique-pdv-2023';
  await commands.execute(
    new RecordMeeting(
      POLITIQUE_DE_LA_VILLE_DOMAIN,
      meetingId,
      { type: 'hold', meetingId, body: BODY, date: '2023-03-20', place: '[DÉMO] Préfecture de région, Lille' },
      { sourceDocument: DEMO_SOURCE },
      ctx(),
      true,
    ),
  );
  await commands.execute(
    new RecordMeeting(
      POLITIQUE_DE_LA_VILLE_DOMAIN,
      meetingId,
      {
        type: 'takeDecision',
        decisionId: 'D1',
        subject: '[DÉMO] Programmation 2023 des actions des contrats de ville',
        outcome: 'approved',
        amounts: ACTIONS.flatMap((a) => a.commitments.map((c) => ({ financer: c.financer, fundingLine: c.fundingLine, amountCents: c.euros * 100 }))),
      },
      { sourceDocument: DEMO_SOURCE },
      ctx(),
      false,
    ),
  );
  let commitments = 0;
  for (const a of ACTIONS) {
    const registerCtx = ctx();
    const operationId = newIdFor(registerCtx, 'operation');
    const operation = await commands.execute(
      new RecordPolitiqueDeLaVilleOperationFact(
        operationId,
        {
          type: 'register',
          operationId,
          kind: 'action',
          dispositif: a.dispositif,
          name: a.name,
          communeInsee: a.communeInsee,
          contratDeVille: a.contratDeVille,
          ...(a.qpv.length ? { qpv: a.qpv } : {}),
          eligibleCostCents: a.costEuros * 100,
          date: a.registered,
        },
        { sourceDocument: DEMO_SOURCE },
        registerCtx,
      ),
    );
    for (const c of a.commitments) {
      const announced = await commands.execute(
        new AnnounceCommitment(
          POLITIQUE_DE_LA_VILLE_DOMAIN,
          operation.id,
          {
            financer: c.financer,
            fundingLine: c.fundingLine,
            amountCents: c.euros * 100,
            date: a.registered,
            sourceDocument: DEMO_SOURCE,
          } as AnnounceCommitmentRequest,
          ctx(),
        ),
      );
      await commands.execute(
        new ProgrammeCommitment(
          POLITIQUE_DE_LA_VILLE_DOMAIN,
          announced.view.id,
          { amountCents: c.euros * 100, date: '2023-03-20', decision: { meetingId, decisionId: 'D1' }, sourceDocument: DEMO_SOURCE } as ProgrammeRequest,
          ctx(),
        ),
      );
      await commands.execute(
        new RecordCommitmentStep(
          POLITIQUE_DE_LA_VILLE_DOMAIN,
          announced.view.id,
          steps.commit({ amountCents: c.euros * 100, date: c.legalAct.date, legalAct: c.legalAct }),
          { sourceDocument: DEMO_SOURCE },
          ctx(),
        ),
      );
      commitments++;
    }
  }
  return { operations: ACTIONS.length, commitments };
}
