import { Hs256Verifier } from './hs256';
import { OidcJwksVerifier } from './oidc';
import type { TokenVerifier } from './token-verifier';

export interface AuthConfig {
  jwtSecret?: string;
  oidcIssuer?: string;
  oidcAudience?: string;
}

/** OIDC when an issuer is configured, since a real identity provider then exists; else local HS256 tokens. */
export function verifierFromConfig(config: AuthConfig): TokenVerifier {
  if (config.oidcIssuer) return new OidcJwksVerifier({ issuer: config.oidcIssuer, audience: config.oidcAudience || undefined });
  if (config.jwtSecret) return new Hs256Verifier({ secret: config.jwtSecret });
  throw new Error('No token verifier configured: set oidcIssuer for an OpenID Connect provider, or jwtSecret for local HS256 tokens');
}
