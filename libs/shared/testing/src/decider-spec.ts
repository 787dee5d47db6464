import { type Decider, RuleViolation, type Today, type WithoutToday, fold } from '@erbm/shared/kernel';

export interface DeciderSpecWhen<Event> {
  /** The command decides exactly these events (compared with `toEqual`). */
  then(expected: Event[]): void;
  /** The command is refused by this rule and, when `field` is given, on this field, with at least these `details`. */
  thenRefuses(rule: string, field?: string, details?: Readonly<Record<string, unknown>>): void;
  /** What the command decides, for the assertions `then` cannot express. */
  events(): Event[];
}

export interface DeciderSpec<Command, Event> {
  given(events: readonly Event[]): { when(command: Command): DeciderSpecWhen<Event> };
}

/**
 * Given events, when a command, then events or a refusal: the state is folded from the given events, as the command
 * path folds a stream before it decides. Asserts with Jest's global `expect`.
 */
export function deciderSpec<Command, Event, State>(decider: Decider<Command, Event, State>): DeciderSpec<Command, Event> {
  return {
    given: (history) => {
      const state = fold(decider, history);
      return {
        when: (command) => {
          const decided = () => {
            try {
              return decider.decide(command, state);
            } catch (error) {
              // A bug in the decider keeps its own error and stack; only a refusal is reworded.
              if (error instanceof RuleViolation) throw new Error(`Expected events, but the command was refused: ${describeViolation(error)}`);
              throw error;
            }
          };
          return {
            then: (expected) => expect(decided()).toEqual(expected),
            events: decided,
            thenRefuses: (rule, field, details) => {
              const expectation = `a refusal by ${named(rule, field)}`;
              let events: Event[];
              try {
                events = decider.decide(command, state);
              } catch (error) {
                if (!(error instanceof RuleViolation)) throw new Error(`Expected ${expectation}, but the decider threw ${String(error)}`, { cause: error });
                // The message is on both sides, so never compared: it is there for the diff to show what the refusal said.
                expect({ rule: error.rule, field: error.field, message: error.message }).toEqual({ rule, field: field ?? error.field, message: error.message });
                if (details) expect(error.details).toEqual(expect.objectContaining(details));
                return;
              }
              throw new Error(`Expected ${expectation}, but the command decided ${events.length} event(s): ${JSON.stringify(events, null, 2)}`);
            },
          };
        },
      };
    },
  };
}

/**
 * The same, for a decider whose commands carry today's date (`Today`): a command given without `today` is decided on
 * the `today` given here, so that a spec writes it only where the rule under test is about it.
 */
export function datedDeciderSpec<Command extends Today, Event, State>(
  decider: Decider<Command, Event, State>,
  today: string,
): DeciderSpec<WithoutToday<Command> & Partial<Today>, Event> {
  return deciderSpec<WithoutToday<Command> & Partial<Today>, Event, State>({
    ...decider,
    decide: (command, state) => decider.decide({ today, ...command } as unknown as Command, state),
  });
}

const named = (rule: string, field: string | undefined) => `rule "${rule}"${field === undefined ? '' : ` on field "${field}"`}`;

const describeViolation = (violation: RuleViolation) => `${named(violation.rule, violation.field)} (${violation.message})`;
