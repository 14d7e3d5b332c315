// Structure checks run by `npm run lint`: no import cycle in src/ (type-only imports included), imports run
// down the layers only, no exported name defined twice, every source file opens with a comment line, no
// hand-written file over the line budget (files in SIZE_ALLOWED are listed as warnings instead).
//
//   npx tsx scripts/check-structure.ts                exit 1 and list the problems
//   npx tsx scripts/check-structure.ts --strict-size  the files in SIZE_ALLOWED fail too
//
// Why not madge: it skips type-only imports by default and needs a bundler resolver; this is 150 lines on
// the TypeScript compiler we already have, and it reads exactly what tsc reads.

import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const SRC = join(ROOT, 'src');
/**
 * Names that each entry point defines for its own framework on purpose: `import { createMonitor } from
 * 'sysvitals/express'` is the same concept as the core one, wired for Express.
 */
const ENTRY_POINT_NAMES = new Set(['createMonitor']);
const ADAPTER_ENTRY = /^src\/(monitor|adapters\/(express|fastify|koa))\.ts$/;

/**
 * The layers of src/, top to bottom: a file imports from its own layer or the ones below, never above
 * (type-only and dynamic imports included). Paths are relative to src/. Everything not listed is the core:
 * the concept folders (history, alerts, collector, ...) and the shared files (types, errors, logger,
 * options), ordered among themselves only by the no-cycle rule. Stores sit above the core because they
 * persist its formats (history points); nothing in the core knows a store.
 */
export const LAYERS: readonly { readonly name: string; readonly match: RegExp }[] = [
  { name: 'entry points (index.ts, cli/)', match: /^(index\.ts$|cli\/)/ },
  { name: 'adapters', match: /^adapters\// },
  { name: 'http', match: /^http\// },
  { name: 'monitor', match: /^monitor(\.ts$|\/)/ },
  { name: 'stores', match: /^stores\// },
];
const CORE = { name: 'core', match: /./ };

function layerOf(pathInSrc: string): number {
  const i = LAYERS.findIndex((l) => l.match.test(pathInSrc));
  return i === -1 ? LAYERS.length : i;
}

/** The root of src/ holds only what ties the folders together (index, monitor, types, errors, logger, ...). */
export const MAX_ROOT_FILES = 6;

/** "No file over ~400 lines" (issue #11): a file past this is usually two concepts. */
export const MAX_LINES = 400;

/**
 * Files (paths from the repository root) over MAX_LINES that are warned about instead of failing, each
 * because another change is splitting it. Empty it as those changes land; add to it only with a reason.
 */
export const SIZE_ALLOWED: ReadonlySet<string> = new Set<string>([]);

function sourceFiles(dir: string, out: string[] = []): string[] {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) sourceFiles(path, out);
    else if (name.endsWith('.ts') && !name.endsWith('.d.ts')) out.push(path);
  }
  return out.sort();
}

const isGenerated = (file: string) => file.endsWith('.generated.ts');

interface Parsed {
  readonly file: string;
  readonly source: ts.SourceFile;
  readonly imports: string[];
  readonly exported: string[];
}

function resolveImport(from: string, spec: string): string | undefined {
  if (!spec.startsWith('.')) return undefined;
  const base = resolve(dirname(from), spec);
  for (const candidate of [base.replace(/\.js$/, '.ts'), `${base}.ts`, join(base, 'index.ts')]) {
    try {
      if (statSync(candidate).isFile()) return candidate;
    } catch {
      // try the next form
    }
  }
  return undefined;
}

function hasExport(node: ts.Node): boolean {
  return (
    ts.canHaveModifiers(node) &&
    (ts.getModifiers(node) ?? []).some((m) => m.kind === ts.SyntaxKind.ExportKeyword)
  );
}

function parse(file: string): Parsed {
  const text = readFileSync(file, 'utf8');
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true);
  const imports: string[] = [];
  const exported: string[] = [];
  for (const st of source.statements) {
    if ((ts.isImportDeclaration(st) || ts.isExportDeclaration(st)) && st.moduleSpecifier) {
      const target = resolveImport(file, (st.moduleSpecifier as ts.StringLiteral).text);
      if (target) imports.push(target);
    }
    // `export { a as b }` without a module gives a local thing a second name: that is a definition of `b`.
    if (
      ts.isExportDeclaration(st) &&
      !st.moduleSpecifier &&
      st.exportClause &&
      ts.isNamedExports(st.exportClause)
    ) {
      for (const e of st.exportClause.elements) if (e.propertyName) exported.push(e.name.text);
    }
    if (!hasExport(st)) continue;
    if (
      (ts.isFunctionDeclaration(st) ||
        ts.isClassDeclaration(st) ||
        ts.isInterfaceDeclaration(st) ||
        ts.isTypeAliasDeclaration(st) ||
        ts.isEnumDeclaration(st)) &&
      st.name
    ) {
      exported.push(st.name.text);
    } else if (ts.isVariableStatement(st)) {
      for (const d of st.declarationList.declarations)
        if (ts.isIdentifier(d.name)) exported.push(d.name.text);
    }
  }
  // Dynamic imports count too: import('./x.js') is still an edge of the graph.
  const visit = (node: ts.Node): void => {
    if (
      ts.isCallExpression(node) &&
      node.expression.kind === ts.SyntaxKind.ImportKeyword &&
      node.arguments[0] &&
      ts.isStringLiteral(node.arguments[0])
    ) {
      const target = resolveImport(file, node.arguments[0].text);
      if (target) imports.push(target);
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return { file, source, imports: [...new Set(imports)], exported: [...new Set(exported)] };
}

/** Strongly connected components with more than one file (or a self-import): each is an import cycle. */
export function findCycles(graph: ReadonlyMap<string, readonly string[]>): string[][] {
  let index = 0;
  const indexOf = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const cycles: string[][] = [];
  const strong = (v: string): void => {
    indexOf.set(v, index);
    low.set(v, index);
    index++;
    stack.push(v);
    onStack.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!indexOf.has(w)) {
        strong(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) {
        low.set(v, Math.min(low.get(v)!, indexOf.get(w)!));
      }
    }
    if (low.get(v) === indexOf.get(v)) {
      const component: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        onStack.delete(w);
        component.push(w);
      } while (w !== v);
      if (component.length > 1 || (graph.get(v) ?? []).includes(v)) cycles.push(component.sort());
    }
  };
  for (const v of graph.keys()) if (!indexOf.has(v)) strong(v);
  return cycles;
}

export function checkStructure(srcDir = SRC): {
  problems: string[];
  oversize: string[];
  allowedOversize: string[];
} {
  const problems: string[] = [];
  const oversize: string[] = [];
  const allowedOversize: string[] = [];
  const files = sourceFiles(srcDir).map(parse);
  const rel = (f: string) => relative(ROOT, f);

  const graph = new Map(files.map((p) => [p.file, p.imports] as const));
  for (const cycle of findCycles(graph)) problems.push(`import cycle: ${cycle.map(rel).join(' <-> ')}`);

  const inSrc = (f: string) => relative(srcDir, f).split(sep).join('/');
  const layerName = (i: number) => (LAYERS[i] ?? CORE).name;
  for (const p of files) {
    const from = layerOf(inSrc(p.file));
    for (const target of p.imports) {
      const to = layerOf(inSrc(target));
      if (to < from)
        problems.push(
          `layer: ${rel(p.file)} (${layerName(from)}) imports ${rel(target)} (${layerName(to)}); ` +
            `imports run down only: ${[...LAYERS.map((l) => l.name), CORE.name].join(' -> ')}`,
        );
    }
  }

  const rootFiles = files.filter((p) => !inSrc(p.file).includes('/'));
  if (rootFiles.length > MAX_ROOT_FILES)
    problems.push(
      `the root of src/ holds ${rootFiles.length} files (at most ${MAX_ROOT_FILES}): ` +
        `${rootFiles.map((p) => inSrc(p.file)).join(', ')}; move the concept into a folder`,
    );

  const homes = new Map<string, string[]>();
  for (const p of files)
    for (const name of p.exported) homes.set(name, [...(homes.get(name) ?? []), rel(p.file)]);
  for (const [name, where] of homes) {
    if (ENTRY_POINT_NAMES.has(name) && where.every((w) => ADAPTER_ENTRY.test(w))) continue;
    if (where.length > 1)
      problems.push(`exported name \`${name}\` is defined in ${where.length} files: ${where.join(', ')}`);
  }

  for (const p of files) {
    if (isGenerated(p.file)) continue;
    const text = p.source.text;
    if (!text.startsWith('//'))
      problems.push(`${rel(p.file)}: should open with a one-line comment saying what it is`);
    // Lines as editors and `wc -l` count them: a final newline does not start another line.
    const lines = text.split('\n').length - (text.endsWith('\n') ? 1 : 0);
    if (lines > MAX_LINES) {
      const message = `${rel(p.file)}: ${lines} lines (budget ${MAX_LINES}); split it by concept`;
      if (SIZE_ALLOWED.has(rel(p.file).split(sep).join('/'))) allowedOversize.push(message);
      else oversize.push(message);
    }
  }
  problems.push(...oversize);
  return { problems, oversize, allowedOversize };
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const { problems, allowedOversize } = checkStructure();
  // The allowed files are warnings, failures with --strict-size (see SIZE_ALLOWED).
  const strict = process.argv.includes('--strict-size');
  for (const o of allowedOversize) console.error(`${strict ? '' : 'warning (SIZE_ALLOWED): '}${o}`);
  if (strict) problems.push(...allowedOversize);
  for (const p of problems) console.error(p);
  if (problems.length > 0) {
    console.error(`\n${problems.length} structure problem(s) (scripts/check-structure.ts)`);
    process.exit(1);
  }
  console.log(
    `structure: no import cycle, imports run down the layers, no duplicate exported name, every file opens with its comment, none over ${MAX_LINES} lines`,
  );
}
