import { Injectable, Optional } from '@nestjs/common';
import { ReadModels } from '@erbm/shared/api';
import { type AgreementPeriod, agreementInForce } from '@erbm/ledger/domain';
import { type AgreementRow, type Freshness, PROGRAMME_REGISTER, agreementPeriods, freshness, listAgreements } from '@erbm/ledger/read-models';

/** The programme's read model as the routes read it: the agreements, and the one in force on a day. */
@Injectable()
export class ProgrammeRegisterReader {
  constructor(@Optional() private readonly readModels?: ReadModels) {}

  get dataSource() {
    if (!this.readModels) throw new Error('the programme register is not open in this process');
    return this.readModels.dataSource(PROGRAMME_REGISTER);
  }

  freshness(): Promise<Freshness> {
    return freshness(this.dataSource, PROGRAMME_REGISTER);
  }

  agreements(): Promise<AgreementRow[]> {
    return listAgreements(this.dataSource);
  }

  /**
   * The agreement and version a fact of that day belongs to; null when none is in force, or when this process reads no
   * register (a process serving no read model).
   */
  async agreementAt(date: string): Promise<{ id: string; version: number } | null> {
    if (!this.readModels?.dataSources.has(PROGRAMME_REGISTER)) return null;
    const periods: AgreementPeriod[] = await agreementPeriods(this.dataSource);
    return agreementInForce(periods, date);
  }
}
