import { type TestApp, type TestResponse, startTestApp } from '@erbm/shared/api/testing';
import { habitatService } from './testing/service';

describe('habitat-api: a commitment through its whole life cycle, over HTTP', () => {
  let t: TestApp;
  let editor: string;
  beforeAll(async () => {
    t = await startTestApp(habitatService);
    editor = t.token('editor', 'habitat', { userId: 'alice', organisation: 'DDTM 62', party: 'etat' });
  });
  afterAll(() => t.close());

  it('meeting and decision → commitment → increase → service fait, request and payment, three times → close', async () => {
    const meeting = await t.request('POST', '/habitat/meetings', {
      token: editor,
      body: { body: 'copil', date: '16/01/2023', place: 'Lille', minutesReference: 'RD-COPIL-2023-01' },
    });
    expect(meeting.status).toBe(201);
    expect(meeting.body).toMatchObject({ body: 'copil', date: '2023-01-16', decisions: [] });
    const decision = await t.request('POST', `/habitat/meetings/${meeting.body.id}/decisions`, {
      token: editor,
      body: {
        decisionId: 'D1',
        subject: 'Cité 12/14 à Lens',
        outcome: 'approved',
        amounts: [{ financer: 'etat', fundingLine: 'etat-p135', amount: '1 000 000,00' }],
      },
    });
    expect(decision.status).toBe(201);
    expect(decision.body.decisions[0].amounts[0].amountCents).toBe(100_000_000);

    const op = await t.request('POST', '/habitat/operations', {
      token: editor,
      body: {
        name: 'Cité 12/14',
        cite: 'Cité 12/14',
        communeInsee: '62498',
        landlord: 'maisons_et_cites',
        dwellingsPlanned: 120,
        energyLabelBefore: 'F',
        energyLabelTarget: 'C',
        eligibleCostCents: 600_000_000,
        date: '2022-12-01',
      },
    });
    expect(op.status).toBe(201);
    expect(op.body).toMatchObject({ arrondissement: '627', arrondissementName: 'Lens', communeName: 'Lens', status: 'planned' });
    expect(op.headers.get('location')).toBe(`/habitat/operations/${op.body.id}`);

    const c = await t.request('POST', `/habitat/operations/${op.body.id}/commitments`, {
      token: editor,
      body: { financer: 'etat', fundingLine: 'etat-p135', amountCents: 100_000_000, date: '2022-12-01' },
    });
    expect(c.status).toBe(201);
    const id = c.body.id;
    const decisionRef = { meetingId: meeting.body.id, decisionId: 'D1' };
    const steps: [string, object][] = [
      ['programme', { amountCents: 100_000_000, date: '2023-01-16', decision: decisionRef }],
      ['commit', { amountCents: 100_000_000, date: '2023-02-01', legalAct: { kind: 'ej', reference: '2103456789', date: '2023-02-01' } }],
      [
        'increase',
        {
          amount: '200 000',
          date: '2023-06-01',
          reason: 'Avenant n°1',
          decision: decisionRef,
          legalAct: { kind: 'avenant', reference: 'AV1', date: '2023-06-01' },
        },
      ],
      // Each payment after its service fait and its payment request.
      ['certify', { amountCents: 36_000_000, reference: 'SF-1', date: '2023-02-20' }],
      ['order', { amountCents: 36_000_000, reference: 'DP-1', date: '2023-02-25' }],
      ['pay', { amountCents: 36_000_000, kind: 'advance', reference: 'DP-1', date: '2023-03-01' }],
      ['certify', { amountCents: 60_000_000, reference: 'SF-2', date: '2024-02-20' }],
      ['order', { amountCents: 60_000_000, reference: 'DP-2', date: '2024-02-25' }],
      ['pay', { amountCents: 60_000_000, kind: 'interim', reference: 'DP-2', date: '2024-03-01' }],
      ['certify', { amountCents: 24_000_000, reference: 'SF-3', date: '2025-02-20' }],
      ['order', { amountCents: 24_000_000, reference: 'DP-3', date: '2025-02-25' }],
      ['pay', { amountCents: 24_000_000, kind: 'balance', reference: 'DP-3', date: '2025-03-01' }],
      ['close', { date: '2025-04-01' }],
    ];
    let last: TestResponse = { status: 0, body: {}, headers: new Headers(), contentType: null };
    for (const [step, body] of steps) {
      last = await t.request('POST', `/habitat/commitments/${id}/${step}`, { token: editor, body });
      expect([step, last.status, last.body.detail]).toEqual([step, 200, undefined]);
    }
    expect(last.body).toMatchObject({
      status: 'closed',
      ledgers: { programmed: 100_000_000, committed: 120_000_000, certified: 120_000_000, ordered: 120_000_000, paid: 120_000_000 },
      resteAPayer: 0,
      warnings: [],
    });
    expect(last.body.facts[1]).toMatchObject({
      type: 'ledger.CommitmentProgrammed',
      recordedBy: { userId: 'alice', role: 'editor', organisation: 'DDTM 62' },
      onBehalfOf: 'etat',
    });

    const read = await t.request('GET', `/habitat/operations/${op.body.id}`, { token: t.token('auditor') });
    expect(read.status).toBe(200);
    expect(read.body.commitments.map((x: { id: string; status: string }) => [x.id, x.status])).toEqual([[id, 'closed']]);
    expect(read.body.financing.total.paid).toBe(120_000_000);
    expect(read.body.indicators['dwellings-financed']).toBe(120);
  });
});
