import {
  addProjectConfiguration,
  formatFiles,
  generateFiles,
  getProjects,
  logger,
  names,
  OverwriteStrategy,
  parseJson,
  serializeJson,
  updateJson,
  type ProjectType,
  type Tree,
} from '@nx/devkit';
import { join } from 'node:path';
import { addComposeService, COMPOSE_FILE, composeServiceNames } from './docker-compose';
import { addToRegistry, readRegistry, REGISTRY_FILE } from './registry';
import type { DomainGeneratorSchema } from './schema';

/** Names a domain may not take: folders of libs/ that are not domains, and the generator's own. */
export const RESERVED_DOMAIN_NAMES: readonly string[] = ['shared', 'ledger', 'sgar', 'domains', 'tools'];
const NAME = /^[a-z][a-z0-9]*(?:-[a-z0-9]+)*$/;
const REBUILD_SUFFIX = '_rebuild';
const TSCONFIG = 'tsconfig.base.json';
/** The only files outside the new folders the generator may change. */
export const SHARED_FILES: readonly string[] = [TSCONFIG, REGISTRY_FILE, COMPOSE_FILE];

export interface DomainNames {
  /** kebab-case, e.g. `transition-ecologique` */
  name: string;
  /** e.g. `PolitiqueDeLaVille` */
  className: string;
  /** e.g. `politiqueDeLaVille` */
  propertyName: string;
  /** e.g. `POLITIQUE_DE_LA_VILLE` */
  constantName: string;
  /** French title, e.g. `Politique de la ville` (defaults to the name) */
  title: string;
  /** The app and its npm script / compose service, e.g. `transition-ecologique-api` */
  app: string;
  /** What the API library exports for the registry, e.g. `politiqueDeLaVilleDomain` */
  registryIdentifier: string;
  /** PostgreSQL schema of its register read model, e.g. `rm_politique_de_la_ville` */
  schema: string;
}

interface DomainProject {
  project: string;
  root: string;
  projectType: ProjectType;
  type: 'domain' | 'contracts' | 'read-models' | 'api' | 'app';
  /** Import path of its src/index.ts; none for the app. */
  alias?: string;
}

export function domainNames(options: DomainGeneratorSchema): DomainNames {
  const name = (options.name ?? '').trim();
  if (!NAME.test(name)) {
    throw new Error(
      `Invalid domain name "${name}": lowercase letters, digits and dashes only, starting with a letter, no double or trailing dash (e.g. mobilite, transition-ecologique).`,
    );
  }
  if (RESERVED_DOMAIN_NAMES.includes(name)) {
    throw new Error(`"${name}" is reserved (${RESERVED_DOMAIN_NAMES.join(', ')}): it is not a domain.`);
  }
  const schema = `rm_${name.replace(/-/g, '_')}`;
  // PostgreSQL cuts identifiers at 63 bytes: a rebuild's `<schema>_rebuild` must stay distinct from the live schema.
  if (`${schema}${REBUILD_SUFFIX}`.length > 63) {
    throw new Error(
      `Invalid domain name "${name}": at most ${63 - REBUILD_SUFFIX.length - 'rm_'.length} characters (its read model's schema ${schema} must stay a PostgreSQL identifier during a rebuild).`,
    );
  }
  const n = names(name);
  const title = options.title?.trim() || name;
  return {
    name,
    className: n.className,
    propertyName: n.propertyName,
    constantName: n.constantName,
    title,
    app: `${name}-api`,
    registryIdentifier: `${n.propertyName}Domain`,
    schema,
  };
}

/** The projects of one domain: four libraries under libs/<name>, one app. The tags drive the ESLint boundaries. */
function domainProjects(d: DomainNames): DomainProject[] {
  const lib = (folder: DomainProject['type'], project: string): DomainProject => ({
    project,
    root: `libs/${d.name}/${folder}`,
    projectType: 'library',
    type: folder,
    alias: `@erbm/${d.name}/${folder}`,
  });
  return [
    lib('domain', `${d.name}-domain`),
    lib('contracts', `${d.name}-contracts`),
    lib('read-models', `${d.name}-read-models`),
    // `<name>-api` is the app's name (as <name>-api-lib for its api library).
    lib('api', `${d.name}-api-lib`),
    { project: d.app, root: `apps/${d.app}`, projectType: 'application', type: 'app' },
  ];
}

/** A file the collision check has already found. */
function read(tree: Tree, file: string): string {
  const text = tree.read(file, 'utf-8');
  if (text === null) throw new Error(`${file} is missing`);
  return text;
}

/** A TypeScript string literal for a template (`<%- … %>`, unescaped). */
function tsString(value: string): string {
  return value.includes("'") ? JSON.stringify(value) : `'${value.replace(/\\/g, '\\\\').replace(/\n/g, '\\n')}'`;
}

/** Everything that would collide, all at once, before anything is written. */
function collisions(tree: Tree, d: DomainNames, projects: DomainProject[]): string[] {
  const problems: string[] = [];
  for (const dir of [`libs/${d.name}`, `apps/${d.app}`]) {
    if (tree.exists(dir)) problems.push(`${dir} already exists`);
  }
  const existing = getProjects(tree);
  for (const p of projects) {
    if (existing.has(p.project)) problems.push(`a project named ${p.project} already exists (${existing.get(p.project)?.root})`);
  }
  const paths: Record<string, string[]> = parseJson(tree.read(TSCONFIG, 'utf-8') ?? '{}').compilerOptions?.paths ?? {};
  const prefix = `@erbm/${d.name}/`;
  for (const alias of Object.keys(paths).filter((a) => a.startsWith(prefix))) problems.push(`${TSCONFIG} already has the path alias ${alias}`);
  const compose = tree.read(COMPOSE_FILE, 'utf-8');
  if (compose === null) problems.push(`${COMPOSE_FILE} is missing`);
  else if (composeServiceNames(compose).includes(d.app)) problems.push(`${COMPOSE_FILE} already has a service ${d.app}`);
  const registry = tree.read(REGISTRY_FILE, 'utf-8');
  if (registry === null) problems.push(`${REGISTRY_FILE} is missing`);
  else {
    try {
      const shape = readRegistry(registry);
      if (shape.importedNames.has(d.registryIdentifier) || shape.listed.includes(d.registryIdentifier))
        problems.push(`${REGISTRY_FILE} already has ${d.registryIdentifier}`);
      if (shape.importSources.has(`@erbm/${d.name}/api`)) problems.push(`${REGISTRY_FILE} already imports from '@erbm/${d.name}/api'`);
    } catch (e) {
      problems.push((e as Error).message);
    }
  }
  return problems;
}

/** `npx nx g @erbm/domain-generator:domain <name> [--title "…"]`: creates one domain and registers it. */
export async function domainGenerator(tree: Tree, options: DomainGeneratorSchema): Promise<void> {
  const d = domainNames(options);
  const projects = domainProjects(d);
  const problems = collisions(tree, d, projects);
  if (problems.length) {
    throw new Error(`Cannot create the domain "${d.name}":\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  }

  // 1. Sources, from the templates (files/…/*.template; `__name__` in paths).
  generateFiles(
    tree,
    join(__dirname, 'files'),
    '.',
    {
      name: d.name,
      className: d.className,
      propertyName: d.propertyName,
      constantName: d.constantName,
      title: d.title,
      titleLiteral: tsString(d.title),
      descriptionLiteral: tsString(`The ${d.title} team's API: its operations, each financer's commitment to them, meetings and decisions.`),
      schema: d.schema,
      // The register's first TypeORM migration is named after the moment the domain was made, as TypeORM's CLI does.
      timestamp: Date.now(),
    },
    { overwriteStrategy: OverwriteStrategy.ThrowIfExisting },
  );
  const created = tree
    .listChanges()
    .filter((c) => c.type === 'CREATE')
    .map((c) => c.path);
  const stray = created.filter((f) => !projects.some((p) => f.startsWith(`${p.root}/`)));
  if (stray.length) throw new Error(`The templates produced files outside the domain's projects (add them to domainProjects()): ${stray.join(', ')}`);

  // 2. One project.json each, with the tags the ESLint module boundaries read.
  for (const p of projects) {
    addProjectConfiguration(tree, p.project, {
      root: p.root,
      sourceRoot: `${p.root}/src`,
      projectType: p.projectType,
      tags: [`scope:${d.name}`, `type:${p.type}`],
    });
  }

  // 3. Path aliases: `@erbm/<name>/<lib>` and, where the template has one, `@erbm/<name>/<lib>/testing`.
  const aliases: [string, string][] = [];
  for (const { alias, root } of projects) {
    if (!alias) continue;
    aliases.push([alias, `${root}/src/index.ts`]);
    if (tree.exists(`${root}/src/testing/index.ts`)) aliases.push([`${alias}/testing`, `${root}/src/testing/index.ts`]);
  }
  const tsconfigText = read(tree, TSCONFIG);
  if (serializeJson(parseJson(tsconfigText)) + '\n' !== tsconfigText) {
    logger.warn(`${TSCONFIG} is not in the 2-space JSON layout the generator writes (or has comments): it will be rewritten in that layout.`);
  }
  updateJson(tree, TSCONFIG, (json) => {
    json.compilerOptions.paths = { ...json.compilerOptions.paths, ...Object.fromEntries(aliases.map(([a, target]) => [a, [target]])) };
    return json;
  });

  // 4. The registry: one import, one element.
  tree.write(REGISTRY_FILE, addToRegistry(read(tree, REGISTRY_FILE), { identifier: d.registryIdentifier, from: `@erbm/${d.name}/api` }));

  // 5. The production topology: a service like the other domains' services, on the next host port.
  const compose = addComposeService(read(tree, COMPOSE_FILE), d.app);
  tree.write(COMPOSE_FILE, compose.text);

  const outside = tree
    .listChanges()
    .map((c) => c.path)
    .filter((f) => !projects.some((p) => f.startsWith(`${p.root}/`)) && !SHARED_FILES.includes(f));
  if (outside.length) throw new Error(`Internal error: the generator changed files it must not change: ${outside.join(', ')}`);

  // Harmless without a formatter (prettier/oxfmt): formatFiles then does nothing. The path aliases keep their order.
  await formatFiles(tree, { sortRootTsconfigPaths: false });

  logger.info(
    [
      `Domain "${d.name}" (${d.title}):`,
      ...projects.map((p) => `  ${p.project.padEnd(d.name.length + 12)} ${p.root}  [scope:${d.name}, type:${p.type}]`),
      `  path aliases: ${aliases.map(([a]) => a).join(', ')}`,
      `  ${REGISTRY_FILE}: + ${d.registryIdentifier}`,
      `  ${COMPOSE_FILE}: + service ${d.app} on host port ${compose.port}`,
      `Next: npm run start:service -- ${d.app}   (lint: npx nx run-many -t lint -p ${projects.map((p) => p.project).join(',')})`,
    ].join('\n'),
  );
}

export default domainGenerator;
