import { readFileSync, readdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import { WARNING_CODES } from '@erbm/ledger/domain';
import { root } from './boundaries';

/**
 * docs/rules.md is the one place the rule set is written down: every rule code the code can raise is listed there, and
 * every code listed there is one the code raises. Codes are read from the sources: the first argument of each
 * `new RuleViolation(…)` (a literal, a template, or the branches of a conditional), a `rule:` of a problem, and the warning codes.
 */
function sources(folder: string): string[] {
  return readdirSync(folder, { withFileTypes: true }).flatMap((entry) => {
    const path = join(folder, entry.name);
    if (entry.isDirectory()) return entry.name === 'node_modules' ? [] : sources(path);
    return /\.ts$/.test(entry.name) && !/\.spec\.ts$/.test(entry.name) && !relative(root, path).includes('/testing/') ? [path] : [];
  });
}

/** The text of the first argument of a call that starts at `from` (just after its parenthesis). */
function firstArgument(text: string, from: number): string {
  let depth = 0;
  for (let i = from; i < text.length; i++) {
    const c = text[i];
    if ('([{'.includes(c)) depth++;
    else if (')]}'.includes(c)) {
      if (depth === 0) return text.slice(from, i);
      depth--;
    } else if (c === ',' && depth === 0) return text.slice(from, i);
  }
  return text.slice(from);
}

interface Raised {
  /** A code, or a pattern for a code built from a template (`commitment-${state.status}`). */
  code: string | RegExp;
  where: string;
}

/** `new RuleViolation(…)` calls whose code is not written at the call: this test could not see it. */
const unreadable: string[] = [];

function raisedCodes(): Raised[] {
  const raised: Raised[] = [];
  for (const file of sources(join(root, 'libs'))) {
    const text = readFileSync(file, 'utf8');
    const where = relative(root, file);
    for (const match of text.matchAll(/new RuleViolation\(/g)) {
      const argument = firstArgument(text, (match.index ?? 0) + match[0].length);
      const before = raised.length;
      // A literal, or the branches of a conditional (not what its test compares).
      for (const literal of argument.matchAll(/(?:^|[?:])\s*'([a-z0-9-]+)'/g)) raised.push({ code: literal[1], where });
      for (const template of argument.matchAll(/`([^`]*)`/g)) raised.push({ code: new RegExp(`^${template[1].replace(/\$\{[^}]*\}/g, '[a-z-]+')}$`), where });
      if (raised.length === before) unreadable.push(`${where}: new RuleViolation(${argument.trim()}, …)`);
    }
    for (const rule of text.matchAll(/\brule: '([a-z0-9-]+)'/g)) raised.push({ code: rule[1], where });
    // A domain's own warning (recorded beside a fact, not refused): a constant whose name ends in _WARNING.
    for (const warning of text.matchAll(/_WARNING = '([a-z0-9-]+)'/g)) raised.push({ code: warning[1], where });
  }
  for (const code of WARNING_CODES) raised.push({ code, where: 'WARNING_CODES' });
  return raised;
}

function documentedCodes(): string[] {
  const doc = readFileSync(join(root, 'docs', 'rules.md'), 'utf8');
  return [...doc.matchAll(/^\| `([a-z0-9-]+)` \|/gm)].map((m) => m[1]);
}

describe('docs/rules.md, the rule set', () => {
  const raised = raisedCodes();
  const documented = documentedCodes();

  it('finds the codes where the code raises them', () => {
    // A broken scan would pass the two tests below by finding nothing.
    expect(raised.length).toBeGreaterThan(60);
    expect(raised).toEqual(
      expect.arrayContaining([
        { code: 'programme-exceeds-decision', where: 'libs/ledger/domain/src/governance/grants.ts' },
        { code: 'unknown-party', where: 'libs/ledger/api/src/commitments/commitment.handlers.ts' },
        { code: 'payment-exceeds-certified', where: 'WARNING_CODES' },
      ]),
    );
  });

  it('reads the code of every refusal at the place it is raised', () => {
    expect(unreadable).toEqual([]);
  });

  it('lists every rule the code raises', () => {
    const missing = raised.filter(({ code }) => (typeof code === 'string' ? !documented.includes(code) : !documented.some((d) => code.test(d))));
    expect(missing).toEqual([]);
  });

  it('lists only rules the code raises, each once', () => {
    const stale = documented.filter((d) => !raised.some(({ code }) => (typeof code === 'string' ? code === d : code.test(d))));
    expect(stale).toEqual([]);
    expect(documented.filter((d, i) => documented.indexOf(d) !== i)).toEqual([]);
  });
});
