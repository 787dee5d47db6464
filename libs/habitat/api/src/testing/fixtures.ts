import type { Json, TestApp } from '@erbm/shared/api/testing';

/** Builds the facts a test starts from, through the HTTP API like a user would. */
export class HabitatFixtures {
  constructor(
    private readonly t: TestApp,
    private readonly token: string,
  ) {}

  async ok(method: string, path: string, body: unknown): Promise<Record<string, Json>> {
    const res = await this.t.request(method, path, { token: this.token, body });
    if (res.status >= 300) throw new Error(`${method} ${path} → ${res.status} ${JSON.stringify(res.body)}`);
    return res.body;
  }

  /** A COPIL's decision approving these amounts (by default, 1,000,000 € for the State's programme 135). */
  async decision(
    date = '2023-01-16',
    amounts: { financer: string; fundingLine?: string; amountCents: number }[] = [{ financer: 'etat', fundingLine: 'etat-p135', amountCents: 1_000_000_00 }],
    outcome = 'approved',
  ): Promise<{ meetingId: string; decisionId: string }> {
    const meeting = await this.ok('POST', '/habitat/meetings', { body: 'copil', date, place: 'Lille' });
    await this.ok('POST', `/habitat/meetings/${meeting.id}/decisions`, { decisionId: 'D1', subject: 'Programmation', outcome, amounts });
    return { meetingId: meeting.id, decisionId: 'D1' };
  }

  operation(overrides: Record<string, unknown> = {}) {
    return this.ok('POST', '/habitat/operations', {
      name: 'Cité test',
      cite: 'Cité test',
      communeInsee: '59178',
      landlord: 'maisons_et_cites',
      dwellingsPlanned: 50,
      energyLabelBefore: 'F',
      energyLabelTarget: 'C',
      eligibleCostCents: 10_000_000_00,
      date: '2022-10-01',
      ...overrides,
    });
  }

  /** A State commitment on programme 135, announced on a new operation and not programmed yet; its id. */
  async announced(amountCents = 1_000_000_00): Promise<string> {
    const operation = await this.operation();
    const commitment = await this.ok('POST', `/habitat/operations/${operation.id}/commitments`, {
      financer: 'etat',
      fundingLine: 'etat-p135',
      amountCents,
      date: '2022-11-01',
    });
    return commitment.id as string;
  }

  /**
   * An operation with one State commitment programmed by a decision and committed by an EJ; with `chainedCents`, that
   * much of it certified (service fait) and ordered (payment request) too, ready to be paid.
   */
  async committed(
    options: { committedCents?: number; programmedCents?: number; chainedCents?: number; eligibleCostCents?: number; decisionDate?: string } = {},
  ) {
    const committedCents = options.committedCents ?? 1_000_000_00;
    const programmedCents = options.programmedCents ?? committedCents;
    const decision = await this.decision(options.decisionDate, [{ financer: 'etat', fundingLine: 'etat-p135', amountCents: programmedCents }]);
    const operation = await this.operation({ eligibleCostCents: options.eligibleCostCents ?? 10_000_000_00 });
    const commitment = await this.ok('POST', `/habitat/operations/${operation.id}/commitments`, {
      financer: 'etat',
      fundingLine: 'etat-p135',
      amountCents: committedCents,
      date: '2022-11-01',
    });
    await this.ok('POST', `/habitat/commitments/${commitment.id}/programme`, {
      amountCents: programmedCents,
      date: '2023-01-16',
      decision,
    });
    let view = await this.ok('POST', `/habitat/commitments/${commitment.id}/commit`, {
      amountCents: committedCents,
      date: '2023-02-01',
      legalAct: { kind: 'ej', reference: '2103456789', date: '2023-02-01' },
    });
    if (options.chainedCents) {
      await this.ok('POST', `/habitat/commitments/${commitment.id}/certify`, { amountCents: options.chainedCents, reference: 'SF-1', date: '2023-02-10' });
      view = await this.ok('POST', `/habitat/commitments/${commitment.id}/order`, { amountCents: options.chainedCents, reference: 'DP-1', date: '2023-02-15' });
    }
    return { operationId: operation.id as string, commitmentId: commitment.id as string, decision, view };
  }
}
