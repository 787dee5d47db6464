import { EventUpcasters } from './upcasting';

interface V1 {
  amountCents: number;
  decision: { meetingId: string };
}

describe('upcasters', () => {
  const upcasters = () =>
    new EventUpcasters([
      // Registered out of order: the steps are chained by version, not by registration.
      { type: 'test.Programmed', fromVersion: 2, upcast: (d: { amountCents: number; source: object }) => ({ ...d, acts: [] }) },
      { type: 'test.Programmed', fromVersion: 1, upcast: ({ decision, ...rest }: V1) => ({ ...rest, source: { kind: 'decision', ...decision } }) },
    ]);
  const v1: V1 = { amountCents: 100, decision: { meetingId: 'm1' } };

  it('reads a version 1 event as the current version, step by step, and leaves the stored data as it was', () => {
    const stored = JSON.parse(JSON.stringify(v1));
    expect(upcasters().upcast('test.Programmed', stored, 1)).toEqual({
      data: { amountCents: 100, source: { kind: 'decision', meetingId: 'm1' }, acts: [] },
      schemaVersion: 3,
    });
    expect(stored).toEqual(v1);
  });

  it('runs only the steps after the stored version, and none on the current one or on a type without upcasters', () => {
    const u = upcasters();
    expect(u.upcast('test.Programmed', { amountCents: 5, source: {} }, 2)).toEqual({ data: { amountCents: 5, source: {}, acts: [] }, schemaVersion: 3 });
    const current = { amountCents: 5, source: {}, acts: ['a'] };
    expect(u.upcast('test.Programmed', current, 3)).toEqual({ data: current, schemaVersion: 3 });
    expect(u.upcast('test.Other', v1, 1)).toEqual({ data: v1, schemaVersion: 1 });
  });

  it('tells the version new events of a type are written with', () => {
    expect([upcasters().currentVersion('test.Programmed'), upcasters().currentVersion('test.Other')]).toEqual([3, 1]);
  });

  it('refuses a second reading of one version, a version below 1, and a gap in the steps', () => {
    const step = { type: 'test.Programmed', fromVersion: 1, upcast: (d: V1) => d };
    expect(() => upcasters().register(step)).toThrow('test.Programmed: an upcaster from schema version 1 is registered already');
    expect(() => new EventUpcasters([{ ...step, fromVersion: 0 }])).toThrow('schema version ≥ 1');
    const gap = new EventUpcasters([{ type: 'test.Gap', fromVersion: 2, upcast: (d: object) => d }]);
    expect(() => gap.upcast('test.Gap', {}, 1)).toThrow('test.Gap: no upcaster from schema version 1 to 2');
  });
});
