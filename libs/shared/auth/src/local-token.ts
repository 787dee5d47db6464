import { AuthenticationError } from './errors';
import { signHs256 } from './hs256';
import { principalFromClaims, type Domain, type Role } from './principal';

export interface LocalTokenInput {
  secret: string;
  userId: string;
  role: Role;
  domain?: Domain;
  organisation: string;
  party?: string;
  /** A sous-préfecture's arrondissement. */
  arrondissement?: string;
  /** Default one hour. */
  ttlSeconds?: number;
  issuer?: string;
  now?: Date;
}

const DEFAULT_TTL_SECONDS = 3600;

/** An HS256 token carrying the erbm_* claims, for development, demos and tests without an identity provider. */
export function mintLocalToken(input: LocalTokenInput): string {
  const ttl = input.ttlSeconds ?? DEFAULT_TTL_SECONDS;
  if (!Number.isInteger(ttl) || ttl <= 0) throw new RangeError('ttlSeconds must be a positive integer');
  const iat = Math.floor((input.now ?? new Date()).getTime() / 1000);
  const claims: Record<string, unknown> = {
    sub: input.userId,
    erbm_role: input.role,
    erbm_org: input.organisation,
    iat,
    exp: iat + ttl,
  };
  if (input.domain !== undefined) claims['erbm_domain'] = input.domain;
  if (input.party !== undefined) claims['erbm_party'] = input.party;
  if (input.arrondissement !== undefined) claims['erbm_arrondissement'] = input.arrondissement;
  if (input.issuer !== undefined) claims['iss'] = input.issuer;
  // Fail here rather than hand out a token every verifier would refuse.
  try {
    principalFromClaims(claims);
  } catch (error) {
    if (error instanceof AuthenticationError) throw new TypeError(`cannot mint token: ${error.reason}`);
    throw error;
  }
  return signHs256(claims, input.secret);
}
