import { stripVTControlCharacters } from 'node:util';
import { type Decider, RuleViolation, type Today, requireNotAfterToday } from '@erbm/shared/kernel';
import { datedDeciderSpec, deciderSpec } from './decider-spec';

/** A counter that may not exceed 10: enough to refuse on a field or on the state, and to fail by a bug. */
type Command = { type: 'add'; amount: number } | { type: 'reset' } | { type: 'crash' };
type Event = { type: 'Added'; amount: number } | { type: 'Reset' };

const counter: Decider<Command, Event, number> = {
  decide: (command, total) => {
    switch (command.type) {
      case 'add':
        if (command.amount <= 0) throw new RuleViolation('invalid-amount', `${command.amount} is not positive`, 'amount');
        if (total + command.amount > 10) throw new RuleViolation('over-limit', `${total + command.amount} is over 10`, 'amount', { remaining: 10 - total });
        return [{ type: 'Added', amount: command.amount }];
      case 'reset':
        if (total === 0) throw new RuleViolation('nothing-to-reset', 'The counter is at 0');
        return [{ type: 'Reset' }];
      case 'crash':
        throw new TypeError('a bug, not a rule');
    }
  },
  evolve: (total, event) => (event.type === 'Added' ? total + event.amount : 0),
  initialState: 0,
};

const { given } = deciderSpec(counter);
const added = (amount: number): Event => ({ type: 'Added', amount });

/** The message an assertion fails with, without the colours a terminal adds. */
function failureOf(assertion: () => void): string {
  try {
    assertion();
  } catch (error) {
    return stripVTControlCharacters((error as Error).message);
  }
  throw new Error('The assertion passed');
}

describe('deciderSpec: then', () => {
  it('passes on the events decided on the state the given events leave', () => {
    given([])
      .when({ type: 'add', amount: 10 })
      .then([added(10)]);
    given([added(4), added(5)])
      .when({ type: 'reset' })
      .then([{ type: 'Reset' }]);
  });
  it('fails on other events, fewer or more', () => {
    expect(() =>
      given([])
        .when({ type: 'add', amount: 3 })
        .then([added(4)]),
    ).toThrow(/toEqual/);
    expect(() => given([]).when({ type: 'add', amount: 3 }).then([])).toThrow(/toEqual/);
    expect(() =>
      given([])
        .when({ type: 'add', amount: 3 })
        .then([added(3), added(3)]),
    ).toThrow(/toEqual/);
  });
  it('fails on a refusal, naming its rule, field and message', () => {
    expect(() =>
      given([added(8)])
        .when({ type: 'add', amount: 3 })
        .then([added(3)]),
    ).toThrow('Expected events, but the command was refused: rule "over-limit" on field "amount" (11 is over 10)');
  });
});

describe('deciderSpec: thenRefuses', () => {
  it('passes on the rule and field of the refusal, or on its rule alone', () => {
    given([added(8)])
      .when({ type: 'add', amount: 3 })
      .thenRefuses('over-limit', 'amount');
    given([added(8)])
      .when({ type: 'add', amount: 3 })
      .thenRefuses('over-limit');
    given([]).when({ type: 'reset' }).thenRefuses('nothing-to-reset');
  });
  it('fails on another rule or another field, showing the refusal', () => {
    const otherRule = failureOf(() =>
      given([added(8)])
        .when({ type: 'add', amount: 3 })
        .thenRefuses('invalid-amount', 'amount'),
    );
    expect(otherRule).toMatch(/- +"rule": "invalid-amount"/);
    expect(otherRule).toMatch(/\+ +"rule": "over-limit"/);
    expect(otherRule).toMatch(/"message": "11 is over 10"/);
    expect(
      failureOf(() =>
        given([added(8)])
          .when({ type: 'add', amount: 3 })
          .thenRefuses('over-limit', 'total'),
      ),
    ).toMatch(/- +"field": "total"/);
    expect(failureOf(() => given([]).when({ type: 'reset' }).thenRefuses('nothing-to-reset', 'amount'))).toMatch(/- +"field": "amount"/);
  });
  it('passes on details the refusal has, and fails on others', () => {
    given([added(8)])
      .when({ type: 'add', amount: 3 })
      .thenRefuses('over-limit', 'amount', { remaining: 2 });
    expect(
      failureOf(() =>
        given([added(8)])
          .when({ type: 'add', amount: 3 })
          .thenRefuses('over-limit', 'amount', { remaining: 3 }),
      ),
    ).toMatch(/"remaining": 3/);
  });
  it('fails when the command decides events, naming them', () => {
    expect(() =>
      given([added(4)])
        .when({ type: 'add', amount: 3 })
        .thenRefuses('over-limit'),
    ).toThrow(/^Expected a refusal by rule "over-limit", but the command decided 1 event\(s\): \[\s*\{\s*"type": "Added",\s*"amount": 3\s*\}\s*\]$/);
    expect(() =>
      given([added(4)])
        .when({ type: 'reset' })
        .thenRefuses('nothing-to-reset'),
    ).toThrow(/decided 1 event\(s\).*"Reset"/s);
  });
  it('fails on an error that is not a refusal, keeping it as the cause', () => {
    let failure: unknown;
    try {
      given([]).when({ type: 'crash' }).thenRefuses('over-limit');
    } catch (error) {
      failure = error;
    }
    expect(failure).toBeInstanceOf(Error);
    expect((failure as Error).message).toBe('Expected a refusal by rule "over-limit", but the decider threw TypeError: a bug, not a rule');
    expect((failure as Error).cause).toBeInstanceOf(TypeError);
  });
});

describe('deciderSpec: events', () => {
  it('returns what the command decides', () => {
    expect(
      given([added(1)])
        .when({ type: 'add', amount: 9 })
        .events(),
    ).toEqual([added(9)]);
  });
  it('fails on a refusal, naming its rule, and lets a bug through as it is', () => {
    expect(() => given([]).when({ type: 'add', amount: 0 }).events()).toThrow('refused: rule "invalid-amount" on field "amount" (0 is not positive)');
    expect(() => given([]).when({ type: 'crash' }).events()).toThrow(TypeError);
  });
});

describe('datedDeciderSpec', () => {
  /** A diary that takes an entry dated up to today. */
  type Entry = { type: 'write'; date: string } & Today;
  const diary: Decider<Entry, { type: 'Written'; date: string }, null> = {
    decide: (command) => {
      requireNotAfterToday(command.date, command.today, 'date');
      return [{ type: 'Written', date: command.date }];
    },
    evolve: () => null,
    initialState: null,
  };
  const dated = datedDeciderSpec(diary, '2026-12-01');

  it("decides a command on the spec's today unless it says its own", () => {
    dated
      .given([])
      .when({ type: 'write', date: '2026-12-01' })
      .then([{ type: 'Written', date: '2026-12-01' }]);
    dated.given([]).when({ type: 'write', date: '2026-12-02' }).thenRefuses('date-after-today', 'date', { today: '2026-12-01' });
    dated.given([]).when({ type: 'write', date: '2026-12-01', today: '2026-11-30' }).thenRefuses('date-after-today');
  });
});
