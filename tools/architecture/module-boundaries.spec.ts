import { createProjectGraphAsync } from '@nx/devkit';
import { ESLint } from 'eslint';
import { join } from 'node:path';

const root = join(__dirname, '..', '..');

async function lint(file: string, code: string): Promise<string[]> {
  const eslint = new ESLint({ cwd: root });
  const [result] = await eslint.lintText(code, { filePath: join(root, file) });
  return result.messages.filter((m) => m.ruleId === '@nx/enforce-module-boundaries').map((m) => m.message);
}

describe('module boundaries (the lint step of npm test)', () => {
  // The rule reads Nx's project graph from its cache; build it in case lint has not run yet.
  beforeAll(() => createProjectGraphAsync({ exitOnError: false }), 120_000);

  it('refuses an import from the event store (infrastructure) into the test helpers', async () => {
    const messages = await lint(
      'libs/shared/event-store/src/forbidden.ts',
      "import { eventually } from '@erbm/shared/testing';\nexport const x = eventually;\n",
    );
    expect(messages.length).toBeGreaterThan(0);
    expect(messages.join('\n')).toMatch(/shared-testing|type:infrastructure/);
  });

  it('refuses a relative import that crosses a project', async () => {
    const messages = await lint(
      'tools/forbidden.ts',
      "import { PostgresEventStore } from '../libs/shared/event-store/src/postgres/postgres-event-store';\nexport const x = PostgresEventStore;\n",
    );
    expect(messages.join('\n')).toMatch(/relative or absolute path/);
  });

  it('lets the specs of a domain use the test helpers, and refuses them to its code', async () => {
    const code = "import { deciderSpec } from '@erbm/shared/testing';\nexport const x = deciderSpec;\n";
    expect(await lint('libs/ledger/domain/src/allowed.spec.ts', code)).toEqual([]);
    expect((await lint('libs/ledger/domain/src/forbidden.ts', code)).join('\n')).toMatch(/type:domain/);
  });

  it('accepts the allowed direction', async () => {
    const messages = await lint(
      'libs/shared/testing/src/allowed.ts',
      "import { PostgresEventStore } from '@erbm/shared/event-store';\nexport const x = PostgresEventStore;\n",
    );
    expect(messages).toEqual([]);
  });
});
