export { AuthenticationError } from './errors';
export { ROLES, isDomain, isRole, principalFromClaims, type Domain, type Principal, type Role } from './principal';
export type { TokenVerifier } from './token-verifier';
export { Hs256Verifier, signHs256, type Hs256VerifierOptions } from './hs256';
export { OidcJwksVerifier, type OidcJwksVerifierOptions } from './oidc';
export { mintLocalToken, type LocalTokenInput } from './local-token';
export { localJwtSecret } from './local-secret';
export { verifierFromConfig, type AuthConfig } from './config';
