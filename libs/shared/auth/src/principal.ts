import { isDomainName } from '@erbm/shared/kernel';
import { AuthenticationError } from './errors';

export const ROLES = ['editor', 'sgar', 'auditor', 'admin'] as const;
export type Role = (typeof ROLES)[number];

/** A domain's name (kebab-case): which domains exist is the registry's business, not the token's. */
export type Domain = string;

/** Who is acting, from a verified token. */
export interface Principal {
  userId: string;
  role: Role;
  domain?: Domain;
  organisation: string;
  party?: string;
}

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
 *   erbm_party  → party         optional, non-empty string when present
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
  if (claims['erbm_party'] !== undefined) principal.party = requiredString(claims, 'erbm_party');
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
