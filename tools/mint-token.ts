/**
 * Prints a local HS256 token, signed with the same secret as the app (ERBM_JWT_SECRET, else the data folder's
 * jwt-secret file, created when missing):
 *
 *   node tools/run-ts.cjs tools/mint-token.ts --role editor --domain <domain> --user alice --org "DDTM 62" [--party etat] [--ttl 3600]
 *   node tools/run-ts.cjs tools/mint-token.ts --role partner --party region-hdf --user rita --org "Région HdF"
 *   node tools/run-ts.cjs tools/mint-token.ts --role sous-prefecture --arrondissement 623 --user sam --org "Sous-préfecture de Lens"
 *   node tools/run-ts.cjs tools/mint-token.ts --all [--org ORG] [--party P] [--ttl 3600]
 *
 * --all prints one `role[:domain]<TAB>token` line per demo user: an editor for each domain, then sgar, auditor and admin
 * (a partner and a sous-préfecture need --party and --arrondissement: --all mints them when given).
 * Exit code 2 on a usage error.
 */
import { parseArgs } from 'node:util';
import { ROLES, isRole, localJwtSecret, mintLocalToken, type Domain, type Role } from '@erbm/shared/auth';
import { DOMAINS } from '@erbm/domains';

const DOMAIN_NAMES = DOMAINS.map((d) => d.name);

const USAGE = `usage: mint-token --role ${ROLES.join('|')} [--domain ${DOMAIN_NAMES.join('|')}] --user ID --org ORG [--party P] [--arrondissement CODE] [--ttl SECONDS]
       mint-token --all [--org ORG] [--party P] [--arrondissement CODE] [--ttl SECONDS]
       a partner needs --party (the party id whose commitments it reads), a sous-prefecture --arrondissement (e.g. 623)`;

class UsageError extends Error {}

interface Options {
  all: boolean;
  role?: string;
  domain?: Domain;
  user?: string;
  org?: string;
  party?: string;
  arrondissement?: string;
  ttlSeconds?: number;
}

interface Grant {
  role: Role;
  domain?: Domain;
  userId: string;
}

function parse(argv: string[]): Options {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      strict: true,
      allowPositionals: false,
      options: {
        role: { type: 'string' },
        domain: { type: 'string' },
        user: { type: 'string' },
        org: { type: 'string' },
        party: { type: 'string' },
        arrondissement: { type: 'string' },
        ttl: { type: 'string' },
        all: { type: 'boolean', default: false },
      },
    });
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  const { ttl, domain, ...rest } = parsed.values;
  return { ...rest, domain: domainOption(domain), ttlSeconds: ttlOption(ttl) };
}

function domainOption(value: string | undefined): Domain | undefined {
  if (value === undefined || DOMAIN_NAMES.includes(value)) return value;
  throw new UsageError(`unknown domain "${value}": expected one of ${DOMAIN_NAMES.join(', ')}`);
}

function ttlOption(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const seconds = Number(value);
  if (!Number.isInteger(seconds) || seconds <= 0) throw new UsageError(`--ttl must be a positive number of seconds, got "${value}"`);
  return seconds;
}

function grants(options: Options): Grant[] {
  if (options.all) {
    if (options.role !== undefined || options.domain !== undefined || options.user !== undefined) {
      throw new UsageError('--all mints the demo users: it takes no --role, --domain or --user');
    }
    return [
      ...DOMAIN_NAMES.map((domain): Grant => ({ role: 'editor', domain, userId: `demo-editor-${domain}` })),
      ...ROLES.filter((role) => role !== 'editor' && role !== 'partner' && role !== 'sous-prefecture').map((role): Grant => ({ role, userId: `demo-${role}` })),
      ...(options.party !== undefined ? [{ role: 'partner', userId: 'demo-partner' } satisfies Grant] : []),
      ...(options.arrondissement !== undefined ? [{ role: 'sous-prefecture', userId: 'demo-sous-prefecture' } satisfies Grant] : []),
    ];
  }
  const { role, domain, user } = options;
  if (role === undefined) throw new UsageError('--role is required (or --all)');
  if (!isRole(role)) throw new UsageError(`unknown role "${role}": expected one of ${ROLES.join(', ')}`);
  if (role === 'editor' && domain === undefined) throw new UsageError('an editor needs --domain');
  if (role === 'partner' && options.party === undefined) throw new UsageError('a partner needs --party (the party id whose commitments it reads)');
  if (role === 'sous-prefecture' && options.arrondissement === undefined) throw new UsageError('a sous-prefecture needs --arrondissement (e.g. 623)');
  if (!user) throw new UsageError('--user is required');
  if (!options.org) throw new UsageError('--org is required');
  return [{ role, domain, userId: user }];
}

function main(argv: string[]): number {
  let options: Options;
  let toMint: Grant[];
  try {
    options = parse(argv);
    toMint = grants(options);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    process.stderr.write(`mint-token: ${error.message}\n${USAGE}\n`);
    return 2;
  }
  const secret = localJwtSecret();
  const organisation = options.org || 'erbm-demo';
  for (const grant of toMint) {
    const token = mintLocalToken({
      ...grant,
      secret,
      organisation,
      party: options.party,
      arrondissement: grant.role === 'sous-prefecture' ? options.arrondissement : undefined,
      ttlSeconds: options.ttlSeconds,
    });
    process.stdout.write(options.all ? `${grant.role}${grant.domain ? `:${grant.domain}` : ''}\t${token}\n` : `${token}\n`);
  }
  return 0;
}

process.exitCode = main(process.argv.slice(2));
