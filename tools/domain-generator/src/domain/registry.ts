import * as ts from 'typescript';

/** The file that lists every domain, one import and one array element each. */
export const REGISTRY_FILE = 'libs/domains/src/registry.ts';
const REGISTRY_ARRAY = 'DOMAINS';

const EXPECTED_SHAPE = `expected shape:
  import type { DomainPlugin } from '@erbm/shared/api';
  import { someDomain } from '@erbm/some-domain/api';
  …
  export const ${REGISTRY_ARRAY}: readonly DomainPlugin[] = [someDomain, …];`;

export interface RegistryEntry {
  /** The identifier the domain's API library exports, e.g. `<name>Domain`. */
  identifier: string;
  /** Where it is imported from, e.g. `@erbm/<name>/api`. */
  from: string;
}

interface RegistryShape {
  source: ts.SourceFile;
  lastImport: ts.ImportDeclaration;
  importedNames: Set<string>;
  importSources: Set<string>;
  array: ts.ArrayLiteralExpression;
  listed: string[];
}

/** A refusal: the registry file is not in the shape the generator edits. */
export class RegistryShapeError extends Error {
  constructor(reason: string) {
    super(`${REGISTRY_FILE}: ${reason}\n${EXPECTED_SHAPE}`);
  }
}

function unwrap(node: ts.Expression): ts.Expression {
  while (ts.isAsExpression(node) || ts.isSatisfiesExpression(node) || ts.isParenthesizedExpression(node) || ts.isTypeAssertionExpression(node)) {
    node = node.expression;
  }
  return node;
}

/** Reads the registry, or explains why it is not in the expected shape. */
export function readRegistry(text: string): RegistryShape {
  const syntax = ts.transpileModule(text, { reportDiagnostics: true, fileName: 'registry.ts', compilerOptions: { module: ts.ModuleKind.ESNext } });
  if (syntax.diagnostics?.length) {
    throw new RegistryShapeError(`does not parse: ${ts.flattenDiagnosticMessageText(syntax.diagnostics[0].messageText, ' ')}`);
  }
  const source = ts.createSourceFile('registry.ts', text, ts.ScriptTarget.Latest, true, ts.ScriptKind.TS);
  const imports = source.statements.filter(ts.isImportDeclaration);
  if (imports.length === 0) throw new RegistryShapeError('has no import');
  const lastImport = imports[imports.length - 1];
  if (source.statements.some((s) => s.pos < lastImport.pos && !ts.isImportDeclaration(s))) {
    throw new RegistryShapeError('has statements between its imports');
  }
  const importedNames = new Set<string>();
  const importSources = new Set<string>();
  for (const i of imports) {
    if (ts.isStringLiteral(i.moduleSpecifier)) importSources.add(i.moduleSpecifier.text);
    const clause = i.importClause;
    if (clause?.name) importedNames.add(clause.name.text);
    const bindings = clause?.namedBindings;
    if (bindings && ts.isNamedImports(bindings)) bindings.elements.forEach((e) => importedNames.add(e.name.text));
    if (bindings && ts.isNamespaceImport(bindings)) importedNames.add(bindings.name.text);
  }

  const declarations = source.statements
    .filter(ts.isVariableStatement)
    .flatMap((s) => s.declarationList.declarations.map((d) => ({ statement: s, declaration: d })))
    .filter(({ declaration }) => ts.isIdentifier(declaration.name) && declaration.name.text === REGISTRY_ARRAY);
  if (declarations.length !== 1) throw new RegistryShapeError(`has ${declarations.length} declarations of ${REGISTRY_ARRAY} (expected one)`);
  const [{ statement, declaration }] = declarations;
  const exported = statement.modifiers?.some((m) => m.kind === ts.SyntaxKind.ExportKeyword);
  if (!exported || !(statement.declarationList.flags & ts.NodeFlags.Const)) throw new RegistryShapeError(`${REGISTRY_ARRAY} is not an exported const`);
  const array = declaration.initializer && unwrap(declaration.initializer);
  if (!array || !ts.isArrayLiteralExpression(array)) throw new RegistryShapeError(`${REGISTRY_ARRAY} is not initialised with an array literal`);
  const listed: string[] = [];
  for (const element of array.elements) {
    if (!ts.isIdentifier(element)) throw new RegistryShapeError(`${REGISTRY_ARRAY} has an element that is not a plain identifier: ${element.getText(source)}`);
    listed.push(element.text);
  }
  return { source, lastImport, importedNames, importSources, array, listed };
}

/** The identifiers listed in the registry's array, in order. */
export function registeredDomains(text: string): string[] {
  return readRegistry(text).listed;
}

/**
 * Adds one import after the last import and one element at the end of the array, keeping the array's layout
 * (one line, or one element a line). Refuses a registry that is not in the expected shape or already has the entry.
 */
export function addToRegistry(text: string, entry: RegistryEntry): string {
  const shape = readRegistry(text);
  if (shape.importedNames.has(entry.identifier) || shape.listed.includes(entry.identifier)) {
    throw new RegistryShapeError(`already has ${entry.identifier}`);
  }
  if (shape.importSources.has(entry.from)) throw new RegistryShapeError(`already imports from '${entry.from}'`);

  const { source, lastImport, array } = shape;
  const edits: { at: number; insert: string }[] = [{ at: lastImport.getEnd(), insert: `\nimport { ${entry.identifier} } from '${entry.from}';` }];
  const elements = array.elements;
  if (elements.length === 0) {
    edits.push({ at: array.getEnd() - 1, insert: entry.identifier });
  } else {
    const last = elements[elements.length - 1];
    const multiline = text.slice(array.getStart(source), array.getEnd()).includes('\n');
    if (!multiline) {
      edits.push({ at: last.getEnd(), insert: `, ${entry.identifier}` });
    } else {
      const lineStart = text.lastIndexOf('\n', last.getStart(source)) + 1;
      const indent = /^[ \t]*/.exec(text.slice(lineStart))?.[0] ?? '';
      edits.push(
        elements.hasTrailingComma
          ? { at: elements.end, insert: `\n${indent}${entry.identifier},` }
          : { at: last.getEnd(), insert: `,\n${indent}${entry.identifier}` },
      );
    }
  }
  let result = text;
  for (const edit of edits.sort((a, b) => b.at - a.at)) result = result.slice(0, edit.at) + edit.insert + result.slice(edit.at);

  const after = readRegistry(result);
  if (after.listed[after.listed.length - 1] !== entry.identifier || !after.importedNames.has(entry.identifier)) {
    throw new RegistryShapeError(`the edit did not produce the expected result (please report):\n${result}`);
  }
  return result;
}
