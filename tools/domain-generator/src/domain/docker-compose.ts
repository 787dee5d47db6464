export const COMPOSE_FILE = 'docker-compose.yml';

/** The YAML anchors the first domain service defines and every other service reuses. */
const ANCHORS = ['service-env', 'service-deps', 'service-health'];
/** Container port of every HTTP service; the host ports differ. */
const CONTAINER_PORT = 3000;

export class ComposeShapeError extends Error {
  constructor(reason: string) {
    super(`${COMPOSE_FILE}: ${reason}`);
  }
}

interface ServiceBlock {
  name: string;
  /** Index of the `  name:` line. */
  start: number;
  /** Index of the block's last non-blank line. */
  end: number;
}

function servicesOf(lines: string[]): ServiceBlock[] {
  const header = lines.findIndex((l) => /^services:\s*$/.test(l));
  if (header < 0) throw new ComposeShapeError('no top-level `services:` key');
  const blocks: ServiceBlock[] = [];
  for (let i = header + 1; i < lines.length; i++) {
    const line = lines[i];
    if (/^\S/.test(line)) break; // the next top-level key (or a top-level comment): end of `services:`
    const key = /^ {2}([A-Za-z0-9_.-]+):\s*$/.exec(line);
    if (key) blocks.push({ name: key[1], start: i, end: i });
    else if (blocks.length && /^ {3,}\S/.test(line)) blocks[blocks.length - 1].end = i;
  }
  return blocks;
}

/** Host ports already published for the services' HTTP port (`"3001:3000"`). */
export function publishedHttpPorts(text: string): number[] {
  const pattern = new RegExp(`^\\s*-\\s*["']?(\\d+):${CONTAINER_PORT}["']?\\s*$`);
  return text.split('\n').flatMap((l) => {
    const m = pattern.exec(l);
    return m ? [Number(m[1])] : [];
  });
}

export function composeServiceNames(text: string): string[] {
  return servicesOf(text.split('\n')).map((s) => s.name);
}

/**
 * Adds `<app>` after the last `*-api` service, modelled on the existing services (same build, environment, dependencies and
 * health check, through the anchors the first domain service defines) and published on the next free host port.
 */
export function addComposeService(text: string, app: string): { text: string; port: number } {
  const lines = text.split('\n');
  const services = servicesOf(lines);
  if (services.some((s) => s.name === app)) throw new ComposeShapeError(`already has a service ${app}`);
  const missing = ANCHORS.filter((a) => !new RegExp(`&${a}\\b`).test(text));
  if (missing.length) throw new ComposeShapeError(`no anchor ${missing.map((a) => `&${a}`).join(', ')} (defined by the first domain service)`);
  const apis = services.filter((s) => s.name.endsWith('-api'));
  const after = apis.length ? apis[apis.length - 1] : services[services.length - 1];
  if (!after) throw new ComposeShapeError('no service to model the new one on');
  const anchorLine = Math.max(...ANCHORS.map((a) => lines.findIndex((l) => l.includes(`&${a}`))));
  if (anchorLine > after.end) throw new ComposeShapeError('the anchors are defined after the place of the new service');

  const port = Math.max(CONTAINER_PORT, ...publishedHttpPorts(text)) + 1;
  const block = [
    '',
    `  ${app}:`,
    '    build:',
    '      context: .',
    '      dockerfile: Dockerfile',
    `    command: ["npm", "run", "start:service", "--", "${app}"]`,
    '    environment: *service-env',
    '    ports:',
    `      - "${port}:${CONTAINER_PORT}"`,
    '    depends_on: *service-deps',
    '    healthcheck: *service-health',
  ];
  lines.splice(after.end + 1, 0, ...block);
  return { text: lines.join('\n'), port };
}
