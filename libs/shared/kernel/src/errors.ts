/**
 * A command a business rule refuses. `rule` is a stable code clients can switch on; the API maps it to 422. The message
 * is for people, in French. `field` names the part of the command at fault when there is one; `details` are figures a
 * client can use without reading the message (what remains, a limit), given beside it in the answer.
 */
export class RuleViolation extends Error {
  constructor(
    public readonly rule: string,
    message: string,
    public readonly field?: string,
    public readonly details?: Readonly<Record<string, string | number>>,
  ) {
    super(message);
    this.name = 'RuleViolation';
  }
}

/** The thing a command or query names does not exist. The API maps it to 404. */
export class NotFound extends Error {
  constructor(
    public readonly kind: string,
    public readonly id: string,
  ) {
    super(`${kind} ${id} not found`);
    this.name = 'NotFound';
  }
}

export function assertNever(value: never): never {
  throw new Error(`Unexpected value: ${JSON.stringify(value)}`);
}
