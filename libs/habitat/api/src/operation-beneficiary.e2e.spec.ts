import { ReadModels } from '@erbm/shared/api';
import { type TestApp, startTestApp } from '@erbm/shared/api/testing';
import { runReadModelChecks } from '@erbm/shared/projections';
import { LEDGER_REGISTER, consolidatedTotals, projectionsOf } from '@erbm/ledger/read-models';
import { habitatDomain } from './habitat-domain';
import { catchUp, habitatService } from './testing/service';

const operation = (over: Record<string, unknown> = {}) => ({
  name: 'Cité 9',
  cite: 'Cité 9',
  communeInsee: '62510',
  landlord: 'maisons_et_cites',
  dwellingsPlanned: 40,
  energyLabelBefore: 'F',
  energyLabelTarget: 'C',
  date: '2022-12-01',
  ...over,
});

describe('habitat-api: the beneficiary of an operation, under which its commitments that name none of their own count', () => {
  let t: TestApp;
  let editor: string;
  const beneficiary = async (legalName: string) => {
    const res = await t.request('POST', '/beneficiaries', { token: editor, body: { legalName, kind: 'company' } });
    expect(res.status).toBe(201);
    return res.body.id as string;
  };
  const byBeneficiary = async () => {
    await catchUp(t);
    const { rows } = await consolidatedTotals(t.app.get(ReadModels).dataSource(LEDGER_REGISTER), ['beneficiary'], {});
    return Object.fromEntries(rows.map((r) => [r.beneficiary, r.announced]));
  };

  beforeAll(async () => {
    t = await startTestApp(habitatService);
    editor = t.token('editor', 'habitat');
  });
  afterAll(() => t.close());

  it('refuses a beneficiary the ledger does not know, and writes nothing', async () => {
    const res = await t.request('POST', '/habitat/operations', { token: editor, body: operation({ beneficiaryId: '5b0c0000-0000-4000-8000-00000000dead' }) });
    expect([res.status, res.body.rule, res.body.field]).toEqual([422, 'unknown-beneficiary', 'beneficiaryId']);
    expect((await t.request('GET', '/habitat/operations', { token: editor })).body.operations ?? []).toEqual([]);
  });

  it("counts a commitment under its own beneficiary, else under its operation's, and follows the operation's when it changes", async () => {
    const [landlord, association, successor] = [await beneficiary('Maisons et Cités'), await beneficiary('Association du 9'), await beneficiary('SIA Habitat')];
    const op = await t.request('POST', '/habitat/operations', { token: editor, body: operation({ beneficiaryId: landlord }) });
    expect([op.status, op.body.beneficiaryId]).toEqual([201, landlord]);
    const announce = (amountCents: number, own?: string) =>
      t.request('POST', `/habitat/operations/${op.body.id}/commitments`, {
        token: editor,
        body: { financer: 'etat', fundingLine: 'etat-p135', amountCents, date: '2022-12-01', ...(own ? { beneficiaryId: own } : {}) },
      });
    expect((await announce(300_00)).status).toBe(201);
    expect((await announce(200_00, association)).status).toBe(201);
    expect(await byBeneficiary()).toEqual({ [landlord]: 300_00, [association]: 200_00 });

    const amended = await t.request('PATCH', `/habitat/operations/${op.body.id}`, {
      token: editor,
      body: { beneficiaryId: successor, reason: 'transfert du patrimoine', date: '2023-03-01' },
    });
    expect([amended.status, amended.body.beneficiaryId]).toEqual([200, successor]);
    expect(await byBeneficiary()).toEqual({ [successor]: 300_00, [association]: 200_00 });

    // The register's own checks hold the rows to the decider's state and their operation's place and beneficiary.
    const report = await runReadModelChecks(t.database.db, projectionsOf([habitatDomain]));
    expect([report.ok, report.breaks]).toEqual([true, []]);
  });
});
