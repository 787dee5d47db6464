import { type HabitatEventType, habitatOperationLocation } from '@erbm/habitat/contracts';
import type { Assert, Equals } from '@erbm/shared/kernel';
import { type OperationEventMap, decideOperation, foldOperation, operationStreamName } from './operation';
import type { KeepsPublishedShapes } from './published';

// What published.ts refuses, were the domain's events to change so (`@ts-expect-error` fails tsc if there is no error).
type Renamed = Omit<OperationEventMap, 'habitat.OperationRegistered'> & {
  'habitat.OperationRegistered': Omit<OperationEventMap['habitat.OperationRegistered'], 'arrondissement'> & { arrondissementInsee: string };
};
// @ts-expect-error HabitatOperationRegisteredV1 has an `arrondissement`
type _RenamedField = KeepsPublishedShapes<Renamed>;
type Retyped = Omit<OperationEventMap, 'habitat.OperationAmended'> & {
  'habitat.OperationAmended': { changes: { dwellingsPlanned?: string }; reason: string; date: string };
};
// @ts-expect-error HabitatOperationAmendedV1's `changes.dwellingsPlanned` is a number
type _RetypedField = KeepsPublishedShapes<Retyped>;
// @ts-expect-error a fact the contracts do not name has no label for the auditors
type _UnpublishedFact = Assert<Equals<keyof OperationEventMap | 'habitat.OperationMerged', HabitatEventType>>;

describe('the habitat events as the contracts publish them', () => {
  it('locate an operation for a service that reads them through the contracts alone', () => {
    const registered = decideOperation(
      {
        type: 'register',
        operationId: 'op1',
        name: 'Cité 9',
        cite: 'Cité 9',
        communeInsee: '62510',
        arrondissement: '627',
        landlord: 'maisons_et_cites',
        dwellingsPlanned: 45,
        energyLabelBefore: 'F',
        energyLabelTarget: 'B',
        date: '2024-02-01',
        today: '2024-02-01',
      },
      foldOperation([]),
    );
    const amended = decideOperation(
      { type: 'amend', changes: { communeInsee: '59606', arrondissement: '596' }, reason: 'erreur de commune', date: '2024-03-01', today: '2024-03-01' },
      foldOperation(registered),
    );
    const streamName = operationStreamName('op1');
    expect(habitatOperationLocation({ ...registered[0], streamName })).toEqual({
      operationId: 'op1',
      name: 'Cité 9',
      arrondissement: '627',
      communeInsee: '62510',
    });
    expect(habitatOperationLocation({ ...amended[0], streamName })).toEqual({
      operationId: 'op1',
      name: undefined,
      arrondissement: '596',
      communeInsee: '59606',
    });
  });

  it('report the quartiers prioritaires, and read the old code 625 of Lens’s communes as 627', () => {
    const streamName = operationStreamName('op2');
    const data = {
      operationId: 'op2',
      name: 'Cité 4',
      cite: 'Cité 4',
      communeInsee: '62498',
      arrondissement: '625',
      landlord: 'maisons_et_cites',
      dwellingsPlanned: 45,
      energyLabelBefore: 'F' as const,
      energyLabelTarget: 'B' as const,
      date: '2019-02-01',
    };
    // As an event recorded before ADR 0019 holds it.
    expect(habitatOperationLocation({ type: 'habitat.OperationRegistered', streamName, data })).toMatchObject({ arrondissement: '627', communeInsee: '62498' });
    expect(foldOperation([{ type: 'habitat.OperationRegistered', data }])).toMatchObject({ arrondissement: '627' });
    // Saint-Omer's own code stays its own.
    const saintOmer = { ...data, communeInsee: '62765', qpv: ['QP062001'] };
    expect(habitatOperationLocation({ type: 'habitat.OperationRegistered', streamName, data: saintOmer })).toMatchObject({
      arrondissement: '625',
      qpv: ['QP062001'],
    });
    const amended = { type: 'habitat.OperationAmended', streamName, data: { changes: { qpv: ['QN06201M'] }, reason: 'QPV 2024', date: '2024-02-01' } };
    expect(habitatOperationLocation(amended)).toEqual({
      operationId: 'op2',
      name: undefined,
      arrondissement: undefined,
      communeInsee: undefined,
      qpv: ['QN06201M'],
    });
  });
});
