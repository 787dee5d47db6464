import { Inject } from '@nestjs/common';
import { type IQueryHandler, Query, QueryHandler } from '@nestjs/cqrs';
import { REFERENTIALS, ReadModels, type ReadScope, WHOLE_PROGRAMME_SCOPE, admits } from '@erbm/shared/api';
import type { Referentials } from '@erbm/shared/referentials';
import { type Freshness, LEDGER_REGISTER, financingByOperation, freshness } from '@erbm/ledger/read-models';
import { emptyLedgers } from '@erbm/ledger/domain';
import { HABITAT_DOMAIN } from '@erbm/habitat/contracts';
import { type IndicatorReport, indicatorReport, indicatorsAsOf } from '@erbm/habitat/domain';
import { HABITAT_REGISTER, listHabitatOperations } from '@erbm/habitat/read-models';

const NO_MONEY = { commitmentCount: 0, ...emptyLedgers(), resteAPayer: 0, warningCount: 0 };

/**
 * Every operation as the read models hold it (the habitat register and the ledger register), not from the log: a list
 * costs one query each whatever the log's length, and says how fresh it is.
 */
export async function operationsAsOf(readModels: ReadModels, referentials: Referentials, asOf: string, scope: ReadScope = WHOLE_PROGRAMME_SCOPE) {
  const register = readModels.dataSource(HABITAT_REGISTER);
  const ledger = readModels.dataSource(LEDGER_REGISTER);
  const [rows, money, fresh] = await Promise.all([
    listHabitatOperations(register),
    financingByOperation(ledger, HABITAT_DOMAIN, scope),
    freshness(register, HABITAT_REGISTER),
  ]);
  // A partner lists the operations its party finances, with its own money only; a sous-préfecture those of its arrondissement.
  const seen = rows.filter((row) => (scope.financer === undefined || money.has(row.id)) && admits({ arrondissement: scope.arrondissement }, row));
  const operations = seen.map((row) => {
    const { warningCount, commitmentCount, ...total } = money.get(row.id) ?? NO_MONEY;
    const registeredOn = row.state.status === 'none' ? asOf : row.state.registeredOn;
    return {
      id: row.id,
      domain: HABITAT_DOMAIN,
      revision: row.revision,
      name: row.name,
      cite: row.cite,
      communeInsee: row.communeInsee,
      communeName: referentials.communes.at(row.communeInsee, registeredOn)?.name,
      arrondissement: row.arrondissement,
      arrondissementName: referentials.arrondissements.at(row.arrondissement, registeredOn)?.name,
      landlord: row.landlord,
      landlordName: referentials.parties.at(row.landlord, registeredOn)?.name,
      status: row.status,
      dwellingsPlanned: row.dwellingsPlanned,
      dwellingsDelivered: row.dwellingsDelivered,
      energyLabelBefore: row.energyLabelBefore,
      energyLabelTarget: row.energyLabelTarget,
      registeredOn,
      recordedAt: row.registeredAt,
      recordedBy: row.recordedBy,
      financing: { total, commitmentCount, warningCount },
      indicators: { asOf, ...indicatorsAsOf(row.state, row.firstLegalActOn, asOf) },
    };
  });
  return { freshness: fresh, operations };
}

export type OperationList = Awaited<ReturnType<typeof operationsAsOf>>;

export class ListOperations extends Query<OperationList> {
  constructor(
    readonly asOf: string,
    readonly scope?: ReadScope,
  ) {
    super();
  }
}

@QueryHandler(ListOperations)
export class ListOperationsHandler implements IQueryHandler<ListOperations> {
  constructor(
    private readonly readModels: ReadModels,
    @Inject(REFERENTIALS) private readonly referentials: Referentials,
  ) {}

  execute(q: ListOperations): Promise<OperationList> {
    return operationsAsOf(this.readModels, this.referentials, q.asOf, q.scope);
  }
}

export class GetIndicators extends Query<{ freshness: Freshness; indicators: IndicatorReport[] }> {
  constructor(readonly asOf: string) {
    super();
  }
}

@QueryHandler(GetIndicators)
export class GetIndicatorsHandler implements IQueryHandler<GetIndicators> {
  constructor(
    private readonly readModels: ReadModels,
    @Inject(REFERENTIALS) private readonly referentials: Referentials,
  ) {}

  async execute(q: GetIndicators) {
    const { freshness: fresh, operations } = await operationsAsOf(this.readModels, this.referentials, q.asOf);
    return {
      freshness: fresh,
      indicators: indicatorReport(
        operations.map((o) => o.indicators),
        q.asOf,
      ),
    };
  }
}
