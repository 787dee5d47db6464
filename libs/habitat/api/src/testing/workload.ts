import type { DomainWorkload, WorkloadContext, WorkloadDay, WorkloadOperation } from '@erbm/shared/api';
import { type FundingLine, loadReferentials } from '@erbm/shared/referentials';
import type { WithoutToday } from '@erbm/shared/kernel';
import { type OperationCommand, operationDecider, operationStreamName } from '@erbm/habitat/domain';
import { HABITAT_OPERATIONS, HABITAT_REGISTER } from '@erbm/habitat/read-models';

/**
 * Habitat operations with their whole life, for the read models' benchmark (`samples.workload` of the plugin):
 * operations of cités minières registered between April 2017 and June 2025 in the log's communes, each with 3 to 5
 * financers (the State's and the Region's lines always, then the Département's, the EPCI's, the landlord's own funds,
 * FEDER, a loan, the joint fund), the studies from the comité that programmes it, the works 4 to 18 months later, one
 * to three deliveries (85 % of operations delivered in full, then the phase "delivered"), and now and then an amendment
 * (a new name, more dwellings, another commune). Every fact comes from the habitat decider, drawn from the log's one
 * random sequence.
 */

const DAY_MS = 86_400_000;
const dayOf = (isoDate: string): WorkloadDay => Math.floor(Date.parse(`${isoDate}T00:00:00Z`) / DAY_MS);
const isoOf = (day: WorkloadDay): string => new Date(day * DAY_MS).toISOString().slice(0, 10);
const FIRST_REGISTRATION = dayOf('2017-04-01');
const LAST_REGISTRATION = dayOf('2025-06-30');
/** Who records an operation's facts. */
const ORGANISATION = 'mission-erbm';

/** Share of the eligible cost each kind of funding line usually brings. */
const SHARE: Record<string, number> = {
  'state-programme': 0.2,
  'joint-fund': 0.05,
  region: 0.1,
  departement: 0.04,
  epci: 0.03,
  'eu-fund': 0.08,
  'landlord-own-funds': 0.3,
  loan: 0.2,
};

export function habitatWorkload(context: WorkloadContext): DomainWorkload {
  const { random: r, communes, at } = context;
  const referentials = loadReferentials();

  const operation = (): WorkloadOperation => {
    const commune = r.pick(communes);
    const registered = r.int(FIRST_REGISTRATION, LAST_REGISTRATION);
    const dwellings = r.int(12, 320);
    const eligibleCostCents = dwellings * r.int(38_000, 62_000) * 100;
    const id = r.uuid();
    const stream = context.stream(operationStreamName(id), operationDecider);
    // Each fact is recorded on the day it happens: that day is the command's today.
    const record = (command: WithoutToday<OperationCommand>, day: WorkloadDay, meta: { reason?: string } = {}) =>
      stream.record({ ...command, today: isoOf(day) } as OperationCommand, day, { organisation: ORGANISATION, ...meta });

    // Its financing plan: the mandatory lines, then optional ones drawn until it has 3 to 5 financers.
    const date = isoOf(registered);
    const lines = (ids: string[]) => ids.map((i) => referentials.fundingLines.at(i, date)).filter((l): l is FundingLine => l !== undefined);
    const landlordLine = `fonds-propres-${r.chance(0.85) ? 'maisons_et_cites' : 'sia_habitat'}`;
    const mandatory = lines(['etat-p135', 'region-erbm']);
    const optional = lines([
      `cd${commune.departement}-habitat`,
      `epci-${commune.epciParty ?? commune.epci}`,
      landlordLine,
      r.chance(0.5) ? 'feder-2021-2027' : 'feder-2014-2020',
      'pret-banque_des_territoires',
      'fonds-etat-region-erbm',
    ]);
    const wanted = r.next() < 0.45 ? 3 : r.next() < 0.64 ? 4 : 5;
    const chosen = [...mandatory];
    while (chosen.length < wanted && optional.length) chosen.push(optional.splice(Math.floor(r.next() * optional.length), 1)[0]);
    const financing = chosen.map((fundingLine) => {
      const share = SHARE[fundingLine.kind] * (0.7 + 0.6 * r.next());
      // Whole thousands of euros.
      return { fundingLine, amountCents: Math.max(1, Math.round((eligibleCostCents * share) / 100_000)) * 100_000, commitmentId: r.uuid() };
    });

    return {
      id,
      commune,
      registered,
      eligibleCostCents,
      financing,
      register: () =>
        record(
          {
            type: 'register',
            operationId: id,
            date: isoOf(registered),
            name: `Cité ${commune.name} ${id.slice(0, 4).toUpperCase()}`,
            cite: `Cité n° ${r.int(1, 90)} de ${commune.name}`,
            communeInsee: commune.insee,
            arrondissement: commune.arrondissement,
            landlord: financing.find((f) => f.fundingLine.kind === 'landlord-own-funds')?.fundingLine.owner ?? 'maisons_et_cites',
            dwellingsPlanned: dwellings,
            energyLabelBefore: r.pick(['E', 'F', 'G'] as const),
            energyLabelTarget: r.pick(['A', 'B', 'C'] as const),
            eligibleCostCents,
          },
          registered,
        ),
      attach: (line, day) => record({ type: 'attachCommitment', ...line, date: isoOf(day) }, day),
      plan: (decisionDay) => {
        const R = registered;
        const M = decisionDay;
        const W = M + r.int(120, 540);
        // Amendments before the works: a new name, more dwellings, a commune corrected (rarely into another arrondissement).
        if (r.chance(0.04)) {
          const day = r.int(R + 1, W - 1);
          const kind = r.next();
          const other = r.pick(
            communes.filter(
              (c) => (kind < 0.9 ? c.arrondissement === commune.arrondissement : c.arrondissement !== commune.arrondissement) && c.insee !== commune.insee,
            ),
          );
          const changes =
            kind < 0.4
              ? { name: `Cité ${commune.name} ${id.slice(0, 4).toUpperCase()} (tranche 2)` }
              : kind < 0.75
                ? { dwellingsPlanned: dwellings + r.int(1, 30) }
                : { communeInsee: other.insee, arrondissement: other.arrondissement };
          at(day, () =>
            record({ type: 'amend', changes, reason: 'Correction du programme après visite de terrain', date: isoOf(day) }, day, {
              reason: 'Correction du programme après visite de terrain',
            }),
          );
        }
        at(M, () => record({ type: 'recordPhase', phase: 'studies', date: isoOf(M) }, M));
        at(W, () => record({ type: 'recordPhase', phase: 'works-started', date: isoOf(W) }, W));
        const deliveries = r.int(1, 3);
        const complete = r.chance(0.85);
        let day = W + r.int(180, 500);
        for (let k = 0; k < deliveries; k++) {
          const last = k === deliveries - 1;
          const d = day;
          at(d, () => {
            const s = stream.state;
            if (s.status === 'none') return;
            const remaining = s.dwellingsPlanned - s.dwellingsDelivered;
            const delivered = last ? (complete ? remaining : Math.floor(remaining * 0.6)) : Math.floor(remaining / (deliveries - k));
            if (delivered > 0) record({ type: 'recordDelivery', dwellings: delivered, date: isoOf(d) }, d);
          });
          if (!last) day += r.int(60, 300);
        }
        if (!complete) return { worksStarted: W };
        const completed = day + r.int(0, 30);
        at(completed, () => {
          const s = stream.state;
          if (s.status !== 'none' && s.dwellingsDelivered === s.dwellingsPlanned)
            record({ type: 'recordPhase', phase: 'delivered', date: isoOf(completed) }, completed);
        });
        return { worksStarted: W, completed };
      },
    };
  };

  return {
    operation,
    readModel: {
      projection: HABITAT_REGISTER,
      countOperations: async (dataSource) =>
        Number(
          (await dataSource.query(`SELECT count(*)::int AS n FROM "${(dataSource.options as { schema: string }).schema}".${HABITAT_OPERATIONS.name}`))[0].n,
        ),
    },
  };
}
