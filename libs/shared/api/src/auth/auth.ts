import {
  type CanActivate,
  type DynamicModule,
  type ExecutionContext,
  Global,
  Inject,
  Injectable,
  Module,
  SetMetadata,
  applyDecorators,
  createParamDecorator,
} from '@nestjs/common';
import { APP_GUARD, Reflector } from '@nestjs/core';
import type { Request } from 'express';
import { AuthenticationError, type Principal, type TokenVerifier, localJwtSecret, verifierFromConfig } from '@erbm/shared/auth';
import { DocumentAccess } from '../http-docs';
import { WHOLE_PROGRAMME, type WholeProgrammeRule, refuseNarrowerReader } from './read-scope';
import { ProblemException } from '../problem-details';

export const TOKEN_VERIFIER = Symbol('TOKEN_VERIFIER');
const ACCESS = 'erbm:access';
const PUBLIC = 'erbm:public';

export type AccessKind = 'read' | 'write';
interface AccessRule {
  kind: AccessKind;
  /** The domain the route belongs to ('*': any authenticated user may read); else the `:domain` route parameter. */
  domain?: string;
}

/** Who may call the route: readers of the domain, or its writers. Every non-public route must say. */
export const Access = (kind: AccessKind, domain?: string) => applyDecorators(SetMetadata(ACCESS, { kind, domain } satisfies AccessRule), DocumentAccess(kind));
/** A route without a token; `alwaysAnswers`: it reaches no store, so it answers whatever their state (liveness). */
export const Public = (options: { alwaysAnswers?: boolean } = {}) =>
  applyDecorators(SetMetadata(PUBLIC, true), DocumentAccess(options.alwaysAnswers ? 'always' : 'public'));

export interface AuthenticatedRequest extends Request {
  principal?: Principal;
}

/**
 * The authorization matrix. An editor reads and writes its own domain only; the SGAR and auditors read every domain
 * and write nothing; an admin does everything. A partner and a sous-préfecture read every domain and the SGAR's and
 * auditors' views, and write nothing: what they read is narrowed by their read scope (read-scope.ts), not here.
 */
export function isAllowed(principal: Principal, kind: AccessKind, domain: string): boolean {
  // '*': shared reference data every authenticated user reads.
  if (domain === '*') return kind === 'read';
  // The SGAR's cross-domain views: the SGAR, auditors and admins read them; domain editors do not.
  if (domain === 'sgar') return kind === 'read' && principal.role !== 'editor';
  // The auditors' trail: everyone reads (editors only their domain's, checked against the thing read); admins seal.
  if (domain === 'audit') return kind === 'read' || principal.role === 'admin';
  // Governance (meetings of every body, acts): everyone reads; an editor of any domain or an admin writes.
  if (domain === 'governance') return kind === 'read' || principal.role === 'admin' || principal.role === 'editor';
  // What admins alone write and everyone reads (the envelopes of the funding lines).
  if (domain === 'admin') return kind === 'read' || principal.role === 'admin';
  // What every domain shares (the beneficiaries): everyone reads; any domain's editor and the admin write.
  if (domain === 'every-domain') return kind === 'read' || principal.role === 'editor' || principal.role === 'admin';
  switch (principal.role) {
    case 'admin':
      return true;
    case 'sgar':
    case 'auditor':
      return kind === 'read';
    case 'editor':
      return principal.domain === domain;
    case 'partner':
    case 'sous-prefecture':
      return kind === 'read';
  }
}

@Injectable()
export class AuthGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    @Inject(TOKEN_VERIFIER) private readonly verifier: TokenVerifier,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const targets = [context.getHandler(), context.getClass()];
    if (this.reflector.getAllAndOverride<boolean>(PUBLIC, targets)) return true;
    const request = context.switchToHttp().getRequest<AuthenticatedRequest>();
    const header = request.header('authorization');
    const match = header ? /^Bearer\s+(\S+)$/i.exec(header) : null;
    if (!match) throw new AuthenticationError('send a bearer token: Authorization: Bearer <jwt>');
    const principal = await this.verifier.verify(match[1]);
    request.principal = principal;
    const rule = this.reflector.getAllAndOverride<AccessRule | undefined>(ACCESS, targets);
    if (!rule) throw ProblemException.of(403, 'forbidden', 'Accès refusé', "Cette route ne déclare aucune règle d'accès.");
    const domain = rule.domain ?? String(request.params.domain ?? '');
    if (!isAllowed(principal, rule.kind, domain))
      throw ProblemException.of(
        403,
        'forbidden',
        'Accès refusé',
        `Le rôle ${principal.role}${principal.domain ? ` (domaine ${principal.domain})` : ''} ne peut pas ${rule.kind === 'read' ? 'lire' : 'écrire'} ${domain ? `dans le domaine ${domain}` : 'ici'}.`,
        { role: principal.role, access: rule.kind, domain },
      );
    const whole = this.reflector.getAllAndOverride<WholeProgrammeRule | undefined>(WHOLE_PROGRAMME, targets);
    if (whole) refuseNarrowerReader(principal, whole);
    return true;
  }
}

export const CurrentPrincipal = createParamDecorator((_: unknown, context: ExecutionContext): Principal => {
  const principal = context.switchToHttp().getRequest<AuthenticatedRequest>().principal;
  if (!principal) throw new AuthenticationError('no authenticated principal');
  return principal;
});

export interface AuthModuleConfig {
  jwtSecret?: string;
  oidcIssuer?: string;
  oidcAudience?: string;
}

/** OIDC when ERBM_OIDC_ISSUER is set; else HS256 with ERBM_JWT_SECRET, or the local secret file in zero-setup mode. */
export function authConfigFromEnv(env: NodeJS.ProcessEnv = process.env): AuthModuleConfig {
  if (env.ERBM_OIDC_ISSUER) return { oidcIssuer: env.ERBM_OIDC_ISSUER, oidcAudience: env.ERBM_OIDC_AUDIENCE };
  return { jwtSecret: localJwtSecret(env) };
}

@Global()
@Module({})
export class AuthModule {
  static forRoot(config: AuthModuleConfig | (() => AuthModuleConfig) = authConfigFromEnv): DynamicModule {
    return {
      module: AuthModule,
      providers: [
        { provide: TOKEN_VERIFIER, useFactory: () => verifierFromConfig(typeof config === 'function' ? config() : config) },
        { provide: APP_GUARD, useClass: AuthGuard },
      ],
      exports: [TOKEN_VERIFIER],
    };
  }
}
