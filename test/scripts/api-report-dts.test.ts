// scripts/api-report-dts.ts on a fixture dist/: imports of core exports from a shared chunk become imports
// from 'sysvitals'; an import the core does not export stays on the chunk (so it is still a forgotten export).

import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { writeReportDeclarations } from '../../scripts/api-report-dts.js';

let dirs: string[] = [];
afterEach(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
  dirs = [];
});

function fixture(files: Record<string, string>): string {
  const root = mkdtempSync(join(tmpdir(), 'sv-api-report-'));
  dirs.push(root);
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), text);
  }
  return root;
}

const manifest = JSON.stringify({
  name: 'sysvitals',
  type: 'module',
  types: './dist/index.d.cts',
  exports: {
    '.': { require: { types: './dist/index.d.cts' } },
    './express': './dist/adapters/express.d.cts',
  },
});

// The shape tsup's dts splitting writes: a chunk exporting one-letter aliases, entries re-importing them.
const chunk = `interface MonitorOptions { a?: number }
declare class SystemMonitor { x: number }
interface Internal { y: number }
export { SystemMonitor as S, type MonitorOptions as O, type Internal as I };
`;
const core = "export { S as SystemMonitor, O as MonitorOptions } from './monitor-Ab12.cjs';\n";
const adapter = `import { S as SystemMonitor, O as Options, I as Internal } from '../monitor-Ab12.cjs';
interface ExpressMonitor extends SystemMonitor { i: Internal; o: Options }
export { type ExpressMonitor };
`;

describe('writeReportDeclarations', () => {
  it('imports what the core exports from sysvitals, under its public name, and leaves the rest', () => {
    const root = fixture({
      'package.json': manifest,
      'dist/monitor-Ab12.d.cts': chunk,
      'dist/index.d.cts': core,
      'dist/adapters/express.d.cts': adapter,
    });
    const pkg = writeReportDeclarations(root, join(root, '.tmp'), join(root, 'dist/index.d.cts'));
    const rewritten = readFileSync(join(pkg, 'dist/adapters/express.d.cts'), 'utf8');
    expect(rewritten).toContain("import { SystemMonitor, MonitorOptions as Options } from 'sysvitals';");
    expect(rewritten).toContain("import { I as Internal } from '../monitor-Ab12.cjs';");
    expect(rewritten).toContain('interface ExpressMonitor extends SystemMonitor { i: Internal; o: Options }');
    // The core entry and the copy standing for the installed package are as built.
    expect(readFileSync(join(pkg, 'dist/index.d.cts'), 'utf8')).toBe(core);
    expect(readFileSync(join(pkg, 'node_modules/sysvitals/dist/adapters/express.d.cts'), 'utf8')).toBe(
      adapter,
    );
    expect(JSON.parse(readFileSync(join(pkg, 'node_modules/sysvitals/package.json'), 'utf8')).name).toBe(
      'sysvitals',
    );
    // dist/ itself is untouched.
    expect(readFileSync(join(root, 'dist/adapters/express.d.cts'), 'utf8')).toBe(adapter);
    // A guard, not a speed figure: the TypeScript program loads @types/node (15 s at load 16).
  }, 120_000);
});
