import type { Principal } from './principal';

export interface TokenVerifier {
  /** Rejects with AuthenticationError when the token cannot be trusted. */
  verify(token: string): Promise<Principal>;
}
