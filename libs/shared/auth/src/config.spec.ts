import { Hs256Verifier, OidcJwksVerifier, verifierFromConfig } from './index';

describe('verifierFromConfig', () => {
  it('chooses OIDC when an issuer is configured, even with a secret', () => {
    expect(verifierFromConfig({ oidcIssuer: 'https://idp.example/realms/erbm', jwtSecret: 's' })).toBeInstanceOf(OidcJwksVerifier);
  });

  it('falls back to HS256 with the secret', () => {
    expect(verifierFromConfig({ jwtSecret: 's', oidcIssuer: '' })).toBeInstanceOf(Hs256Verifier);
  });

  it('says what to configure when there is nothing', () => {
    expect(() => verifierFromConfig({})).toThrow(/oidcIssuer.*jwtSecret/);
  });

  it('refuses an issuer that is not a URL', () => {
    expect(() => verifierFromConfig({ oidcIssuer: 'keycloak' })).toThrow(/URL/);
  });
});
