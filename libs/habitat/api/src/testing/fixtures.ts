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

  async decision(date = '2023-01-16'): Promise<{ meetingId: string; decisionId: string }> {
    const meeting = await this.ok('POST', '/habitat/meetings', { body: 'copil', date, place: 'Lille' });
    await this.ok('POST', `/habitat/meetings/${meeting.id}/decisions`, { decisionId: 'D1', subject: 'Programmation', outcome: 'approved', amounts: [] });
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

  /** An operation with one State commitment programmed by a decision and committed by an EJ. */
  async committed(options: { committedCents?: number; programmedCents?: number; eligibleCostCents?: number; decisionDate?: string } = {}) {
    const committedCents = options.committedCents ?? 1_000_000_00;
    const decision = await this.decision(options.decisionDate);
    const operation = await this.operation({ eligibleCostCents: options.eligibleCostCents ?? 10_000_000_00 });
    const commitment = await this.ok('POST', `/habitat/operations/${operation.id}/commitments`, {
      financer: 'etat',
      fundingLine: 'etat-p135',
      amountCents: committedCents,
      date: '2022-11-01',
    });
    await this.ok('POST', `/habitat/commitments/${commitment.id}/programme`, {
      amountCents: options.programmedCents ?? committedCents,
      date: '2023-01-16',
      decision,
    });
    const view = await this.ok('POST', `/habitat/commitments/${commitment.id}/commit`, {
      amountCents: committedCents,
      date: '2023-02-01',
      legalAct: { kind: 'ej', reference: '2103456789', date: '2023-02-01' },
    });
    return { operationId: operation.id as string, commitmentId: commitment.id as string, decision, view };
  }
}
