// The adapters' declarations as a user sees them, for their API reports: core types imported from 'sysvitals'.
//
// tsup bundles the declarations of the four entry points into shared chunks (dist/monitor-<hash>.d.cts), and
// api-extractor knows one entry point per run: `ExpressMonitor extends SystemMonitor` then reads as if
// sysvitals/express had forgotten to export SystemMonitor and everything it reaches, although a user imports
// it from 'sysvitals'. This writes a copy of dist/'s declarations (.tmp/api/pkg/) where each import of a type
// that the core entry exports comes from the package 'sysvitals' (.tmp/api/pkg/node_modules/sysvitals, an
// unchanged copy, so api-extractor treats it as external): the adapter reports then show
// `import { SystemMonitor } from 'sysvitals'`, and what an adapter uses that the core does not export still
// fails as a forgotten export. dist/ itself is not changed.

import { cpSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import ts from 'typescript';

const isDeclaration = (name: string) => name.endsWith('.d.ts') || name.endsWith('.d.cts');

function declarationFiles(dir: string, out: string[] = []): string[] {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) declarationFiles(path, out);
    else if (isDeclaration(name)) out.push(path);
  }
  return out.sort();
}

/**
 * Copies `dist/` declarations to `<tmp>/pkg/dist` (rewritten) and `<tmp>/pkg/node_modules/sysvitals/dist`
 * (as built); returns the folder that stands for the package root.
 * @param coreEntry - the core entry's CommonJS declarations (dist/index.d.cts), whose exports are the names
 *   an import from 'sysvitals' can take.
 */
export function writeReportDeclarations(root: string, tmp: string, coreEntry: string): string {
  const dist = join(root, 'dist');
  const pkg = join(tmp, 'pkg');
  rmSync(pkg, { recursive: true, force: true });
  const files = declarationFiles(dist);
  const external = join(pkg, 'node_modules', 'sysvitals');
  for (const file of files) {
    const target = join(external, 'dist', relative(dist, file));
    mkdirSync(join(target, '..'), { recursive: true });
    cpSync(file, target);
  }
  const manifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
  writeFileSync(
    join(external, 'package.json'),
    JSON.stringify({
      name: manifest.name,
      type: manifest.type,
      types: manifest.types,
      exports: manifest.exports,
    }),
  );
  // Another name, so that 'sysvitals' is not resolved as a self-reference of this copy.
  writeFileSync(
    join(pkg, 'package.json'),
    JSON.stringify({ name: 'sysvitals-api-report', type: manifest.type }),
  );

  const program = ts.createProgram(files, {
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    target: ts.ScriptTarget.ES2022,
    types: ['node'],
    skipLibCheck: true,
    noEmit: true,
  });
  const checker = program.getTypeChecker();
  const follow = (symbol: ts.Symbol) =>
    symbol.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(symbol) : symbol;
  const coreSource = program.getSourceFile(coreEntry);
  const coreModule = coreSource && checker.getSymbolAtLocation(coreSource);
  if (!coreModule) throw new Error(`api-report: cannot read the exports of ${coreEntry}`);
  const publicName = new Map<ts.Symbol, string>();
  for (const exported of checker.getExportsOfModule(coreModule)) {
    publicName.set(follow(exported), exported.name);
  }

  for (const file of files) {
    const target = join(pkg, 'dist', relative(dist, file));
    mkdirSync(join(target, '..'), { recursive: true });
    const source = program.getSourceFile(file);
    const text = readFileSync(file, 'utf8');
    if (file === coreEntry || source === undefined) {
      writeFileSync(target, text);
      continue;
    }
    writeFileSync(target, rewriteImports(source, text, checker, follow, publicName));
  }
  return pkg;
}

/** Each `import { a as X } from './chunk'` of a core export becomes `import { X } from 'sysvitals'`. */
function rewriteImports(
  source: ts.SourceFile,
  text: string,
  checker: ts.TypeChecker,
  follow: (symbol: ts.Symbol) => ts.Symbol,
  publicName: ReadonlyMap<ts.Symbol, string>,
): string {
  const edits: { start: number; end: number; text: string }[] = [];
  for (const statement of source.statements) {
    if (
      !ts.isImportDeclaration(statement) ||
      !ts.isStringLiteral(statement.moduleSpecifier) ||
      !statement.moduleSpecifier.text.startsWith('.') ||
      statement.importClause?.namedBindings === undefined ||
      !ts.isNamedImports(statement.importClause.namedBindings) ||
      statement.importClause.name !== undefined
    ) {
      continue;
    }
    const kept: string[] = [];
    const moved: string[] = [];
    for (const element of statement.importClause.namedBindings.elements) {
      const symbol = checker.getSymbolAtLocation(element.name);
      const name = symbol && publicName.get(follow(symbol));
      const prefix = element.isTypeOnly ? 'type ' : '';
      if (name === undefined) kept.push(element.getText(source));
      else moved.push(`${prefix}${name === element.name.text ? name : `${name} as ${element.name.text}`}`);
    }
    if (moved.length === 0) continue;
    const typeOnly = statement.importClause.isTypeOnly ? 'type ' : '';
    const lines = [`import ${typeOnly}{ ${moved.join(', ')} } from 'sysvitals';`];
    if (kept.length > 0) {
      lines.push(
        `import ${typeOnly}{ ${kept.join(', ')} } from ${statement.moduleSpecifier.getText(source)};`,
      );
    }
    edits.push({ start: statement.getStart(source), end: statement.getEnd(), text: lines.join('\n') });
  }
  let out = text;
  for (const edit of edits.reverse()) out = out.slice(0, edit.start) + edit.text + out.slice(edit.end);
  return out;
}
