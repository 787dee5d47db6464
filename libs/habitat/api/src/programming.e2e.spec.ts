import { type TestApp, startTestApp } from '@erbm/shared/api/testing';
import { type CommandContext, uuidFrom } from '@erbm/shared/api';
import { DecisionProgrammings, FinancingLinks } from '@erbm/ledger/api';
import { habitatService } from './testing/service';
import { HabitatFixtures } from './testing/fixtures';
import { logSettled } from '@erbm/shared/testing';

/**
 * What commitments programme under a decision is counted in the decision's meeting (ADR 0015): the ceiling holds for
 * writers at once, the commitment's programming follows from the meeting's after a crash, and what a commitment gives
 * back returns to the decision.
 */
describe("habitat-api: programming by a decision, counted in the decision's meeting", () => {
  let t: TestApp;
  let f: HabitatFixtures;
  let editor: string;
  const USER = 'test-editor-habitat';
  /** The completion pass, once the log shows every event written so far: it reads the log as any reader does (see logSettled). */
  const completePending = async () => {
    await logSettled(t.database.db);
    return t.app.get(FinancingLinks).completePending();
  };

  beforeAll(async () => {
    t = await startTestApp(habitatService);
    editor = t.token('editor', 'habitat');
    f = new HabitatFixtures(t, editor);
  });
  afterAll(() => t.close());

  const announced = () => f.announced(100_000_00);
  /** What a programming request records in the decision's meeting before the commitment (State, programme 135, D1). */
  const recordInMeeting = (ctx: CommandContext, meetingId: string, commitmentId: string, amountCents: number) =>
    t.app.get(DecisionProgrammings).record(ctx, {
      meetingId,
      decisionId: 'D1',
      commitmentId,
      domain: 'habitat',
      financer: 'etat',
      fundingLine: 'etat-p135',
      amountCents,
      date: '2023-01-16',
    });
  const programmedIn = async (commitmentId: string) =>
    (await t.store.readStream(`commitment-${commitmentId}`)).filter((e) => e.type === 'ledger.CommitmentProgrammed');
  const countedIn = async (meetingId: string) => (await f.ok('GET', `/habitat/meetings/${meetingId}`, undefined)).programmings as { amountCents: number }[];
  const sum = (items: { amountCents: number }[]) => items.reduce((s, p) => s + p.amountCents, 0);

  it('lets no two commitments programmed at once pass the ceiling of their decision', async () => {
    const decision = await f.decision('2023-01-16', [{ financer: 'etat', fundingLine: 'etat-p135', amountCents: 100_000_00 }]);
    const commitments = [];
    for (let i = 0; i < 5; i++) commitments.push(await announced());
    const answers = await Promise.all(
      commitments.map((id) =>
        t.request('POST', `/habitat/commitments/${id}/programme`, { token: editor, body: { amountCents: 30_000_00, date: '2023-01-16', decision } }),
      ),
    );
    expect(answers.map((a) => a.status).sort()).toEqual([200, 200, 200, 422, 422]);
    expect(answers.filter((a) => a.status === 422).map((a) => [a.body.rule, a.body.remainingCents])).toEqual([
      ['programme-exceeds-decision', 10_000_00],
      ['programme-exceeds-decision', 10_000_00],
    ]);
    let programmed = 0;
    for (const id of commitments) programmed += sum((await programmedIn(id)).map((e) => e.data as { amountCents: number }));
    expect(programmed).toBe(90_000_00);
    expect(sum(await countedIn(decision.meetingId))).toBe(90_000_00);
  });

  it('completes after a crash the programming the meeting counted, in the name of who recorded it', async () => {
    const decision = await f.decision('2023-01-16', [{ financer: 'etat', fundingLine: 'etat-p135', amountCents: 100_000_00 }]);
    const commitmentId = await announced();
    const ctx: CommandContext = { principal: { userId: USER, role: 'editor', organisation: 'Test organisation' }, correlationId: 'crash-1' };
    // The request stops right after the meeting's append: what the process finds on its restart.
    const recorded = await recordInMeeting(ctx, decision.meetingId, commitmentId, 25_000_00);
    await completePending();
    const [programmed] = await programmedIn(commitmentId);
    expect(programmed).toMatchObject({
      id: uuidFrom(`ledger.CommitmentProgrammed\u0000${recorded.id}`),
      data: { amountCents: 25_000_00, date: '2023-01-16', decision: { meetingId: decision.meetingId, decisionId: 'D1', date: '2023-01-16' } },
      envelope: { actor: { userId: USER, role: 'editor' }, correlationId: 'crash-1' },
    });
    // Once: a second pass makes nothing more.
    await completePending();
    expect(await programmedIn(commitmentId)).toHaveLength(1);
  });

  it('a retry with the same Idempotency-Key after that crash completes it, and counts it once', async () => {
    const decision = await f.decision('2023-01-16', [{ financer: 'etat', fundingLine: 'etat-p135', amountCents: 100_000_00 }]);
    const commitmentId = await announced();
    const key = 'programme-after-crash';
    const ctx: CommandContext = { principal: { userId: USER, role: 'editor', organisation: 'Test organisation' }, correlationId: 'c', idempotencyKey: key };
    await recordInMeeting(ctx, decision.meetingId, commitmentId, 70_000_00);
    const retry = await t.request('POST', `/habitat/commitments/${commitmentId}/programme`, {
      token: editor,
      headers: { 'idempotency-key': key },
      body: { amountCents: 70_000_00, date: '2023-01-16', decision },
    });
    expect([retry.status, retry.body.ledgers.programmed]).toEqual([200, 70_000_00]);
    expect(sum(await countedIn(decision.meetingId))).toBe(70_000_00);
  });

  it('gives back to the decision what its commitment could not take, or what a correction lowered', async () => {
    const decision = await f.decision('2023-01-16', [{ financer: 'etat', fundingLine: 'etat-p135', amountCents: 100_000_00 }]);
    const closed = await announced();
    await f.ok('POST', `/habitat/commitments/${closed}/close`, { date: '2023-01-10', reason: 'abandon' });
    const ctx: CommandContext = { principal: { userId: USER, role: 'editor', organisation: 'Test organisation' }, correlationId: 'c' };
    // Counted in the meeting for a commitment closed since: the completion is refused and the amount goes back.
    await recordInMeeting(ctx, decision.meetingId, closed, 100_000_00);
    await completePending();
    expect(await programmedIn(closed)).toEqual([]);
    expect(sum(await countedIn(decision.meetingId))).toBe(0);

    const open = await announced();
    const view = await f.ok('POST', `/habitat/commitments/${open}/programme`, { amountCents: 100_000_00, date: '2023-01-16', decision });
    expect(view.ledgers.programmed).toBe(100_000_00);
    const raised = await t.request('POST', `/habitat/commitments/${open}/correct`, {
      token: editor,
      body: { revision: 1, amountCents: 100_000_01, date: '2023-02-01', reason: 'erreur de saisie' },
    });
    expect([raised.status, raised.body.rule]).toEqual([422, 'correction-raises-programmed']);
    await f.ok('POST', `/habitat/commitments/${open}/correct`, { revision: 1, amountCents: 80_000_00, date: '2023-02-01', reason: 'erreur de saisie' });
    expect(sum(await countedIn(decision.meetingId))).toBe(80_000_00);
    // The 20,000 € given back can be programmed again under the decision, and no more.
    const other = await announced();
    const over = await t.request('POST', `/habitat/commitments/${other}/programme`, {
      token: editor,
      body: { amountCents: 20_000_01, date: '2023-01-16', decision },
    });
    expect([over.status, over.body.remainingCents]).toEqual([422, 20_000_00]);
    expect((await f.ok('POST', `/habitat/commitments/${other}/programme`, { amountCents: 20_000_00, date: '2023-01-16', decision })).ledgers.programmed).toBe(
      20_000_00,
    );
  });
});
