/** The request carries no usable identity: token missing, malformed, forged, expired, or its keys unreachable. */
export class AuthenticationError extends Error {
  override readonly name = 'AuthenticationError';
  constructor(public readonly reason: string) {
    super(reason);
  }
}
