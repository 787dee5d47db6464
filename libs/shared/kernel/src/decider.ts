/**
 * A stream's behaviour as pure parts (the Decider pattern, as Emmett names it): what a command decides on a state,
 * how one event changes a state, and the state before any event. A decider refuses a command by throwing a
 * RuleViolation.
 */
export interface Decider<Command, Event, State> {
  decide: (command: Command, state: State) => Event[];
  evolve: (state: State, event: Event) => State;
  /** A value rather than Emmett's factory: evolve returns a new state and never changes the one it is given. */
  initialState: State;
}

/** The state a stream's events leave: what the command path decides on. */
export function fold<Command, Event, State>(decider: Decider<Command, Event, State>, events: readonly Event[]): State {
  return events.reduce((state, event) => decider.evolve(state, event), decider.initialState);
}
