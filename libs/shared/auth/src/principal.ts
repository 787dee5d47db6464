import { isDomainName } from '@erbm/shared/kernel';
import { AuthenticationError } from './errors';

export const ROLES = ['editor', 'sgar', 'auditor', 'admin', 'partner', 'sous-prefecture'] as const;
export type Role = (typeof ROLES)[number];

/** A domain's name (kebab-case): which domains exist is the registry's business, not the token's. */
export type Domain = string;

/** Who is acting, from a verified token. */
export interface Principal {
  userId: string;
  role: Role;
  domain?: Domain;
  organisation: string;
  /** The party the user acts for; for a partner, the one whose commitments it reads. */
  party?: string;
  /** A sous-préfecture's arrondissement (INSEE code): the one whose comité partenarial views it reads. */
  arrondissement?: string;
}

/** Département (2 digits, or 2A/2B) then the arrondissement's digit. */
const ARRONDISSEMENT_CODE = /^(\d{2}|2A|2B)\d$/;

export function isRole(value: unknown): value is Role {
  return (ROLES as readonly unknown[]).includes(value);
}

export function isDomain(value: unknown): value is Domain {
  return isDomainName(value);
}

/**
 * Claims mapping, shared by local HS256 tokens and any OIDC provider configured to emit the erbm_* claims:
 *   sub         → userId        required, non-empty string
 *   erbm_role   → role          required, one of ROLES
 *   erbm_domain → domain        required for an editor (a domain name, kebab-case); ignored for the other roles,
 *                               which are not tied to one domain
 *   erbm_org    → organisation  required, non-empty string
 *   erbm_party  → party         required for a partner (the party id of the referential whose commitments it reads);
 *                               optional, non-empty string when present, for the other roles
 *   erbm_arrondissement → arrondissement  required for a sous-préfecture (INSEE code of its arrondissement, e.g. 623);
 *                               ignored for the other roles
 */
export function principalFromClaims(claims: Record<string, unknown>): Principal {
  const userId = requiredString(claims, 'sub');
  const role = claims['erbm_role'];
  if (!isRole(role)) throw invalidClaim('erbm_role', `one of ${ROLES.join(', ')}`);
  const organisation = requiredString(claims, 'erbm_org');
  const principal: Principal = { userId, role, organisation };

  if (role === 'editor') {
    const domain = claims['erbm_domain'];
    if (!isDomain(domain)) throw invalidClaim('erbm_domain', 'a domain name (kebab-case) for an editor');
    principal.domain = domain;
  }
  if (claims['erbm_party'] !== undefined || role === 'partner') principal.party = requiredString(claims, 'erbm_party');
  if (role === 'sous-prefecture') {
    const arrondissement = claims['erbm_arrondissement'];
    if (typeof arrondissement !== 'string' || !ARRONDISSEMENT_CODE.test(arrondissement))
      throw invalidClaim('erbm_arrondissement', 'the INSEE code of an arrondissement (e.g. 623) for a sous-prefecture');
    principal.arrondissement = arrondissement;
  }
  return principal;
}

function requiredString(claims: Record<string, unknown>, name: string): string {
  const value = claims[name];
  if (typeof value !== 'string' || value.trim() === '') throw invalidClaim(name, 'a non-empty string');
  return value;
}

function invalidClaim(name: string, expected: string): AuthenticationError {
  return new AuthenticationError(`claim ${name} missing or invalid: expected ${expected}`);
}
