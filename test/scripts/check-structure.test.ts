// scripts/check-structure.ts on fixture trees: the layer rule, cycles, duplicate names, the opening comment, the size.

import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { checkStructure, MAX_LINES } from '../../scripts/check-structure.js';

let dirs: string[] = [];
afterEach(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
  dirs = [];
});

/** A src/ tree from `{ 'path/in/src.ts': 'source' }`. */
function tree(files: Record<string, string>): string {
  const root = mkdtempSync(join(tmpdir(), 'sv-structure-'));
  dirs.push(root);
  for (const [path, text] of Object.entries(files)) {
    const file = join(root, path);
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, text);
  }
  return root;
}

const layered = {
  'index.ts': "// entry\nexport { createMonitor } from './monitor.js';\n",
  'adapters/express.ts': "// adapter\nimport { api } from '../http/api.js';\nexport const express = api;\n",
  'http/api.ts':
    "// http\nimport type { Monitor } from '../monitor.js';\nexport const api = (m: Monitor) => m;\n",
  'monitor.ts':
    "// monitor\nimport { memory } from './stores/memory.js';\nexport type Monitor = typeof memory;\nexport const createMonitor = () => memory;\n",
  'stores/memory.ts':
    "// store\nimport { point } from '../history/point.js';\nexport const memory = point;\n",
  'history/point.ts': '// core\nexport const point = 1;\n',
};

describe('check-structure', () => {
  it('passes a tree whose imports run down the layers', () => {
    expect(checkStructure(tree(layered)).problems).toEqual([]);
  });

  it('fails when the monitor imports from http/, type-only imports included', () => {
    const { problems } = checkStructure(
      tree({
        ...layered,
        'monitor.ts':
          "// monitor\nimport type { api } from './http/api.js';\nimport { memory } from './stores/memory.js';\nexport type Monitor = typeof memory;\nexport type Api = typeof api;\n",
      }),
    );
    expect(
      problems.some((p) => /^layer: .*monitor\.ts \(monitor\) imports .*http\/api\.ts \(http\)/.test(p)),
    ).toBe(true);
  });

  it('fails when the core imports a store or the monitor (dynamic import included)', () => {
    const { problems } = checkStructure(
      tree({
        ...layered,
        'history/point.ts':
          "// core\nexport const point = 1;\nexport const load = () => import('../stores/memory.js');\n",
      }),
    );
    const layers = problems.filter((p) => p.startsWith('layer:'));
    expect(layers).toHaveLength(1);
    expect(layers[0]).toMatch(/history\/point\.ts \(core\) imports .*stores\/memory\.ts \(stores\)/);
  });

  it('fails on an adapter imported by http/, a name defined twice, and a file without its comment', () => {
    const { problems } = checkStructure(
      tree({
        ...layered,
        'http/api.ts':
          "// http\nimport { express } from '../adapters/express.js';\nexport const api = express;\n",
        'history/dup.ts': 'export const point = 2;\n',
      }),
    );
    expect(
      problems.some((p) => /http\/api\.ts \(http\) imports .*adapters\/express\.ts \(adapters\)/.test(p)),
    ).toBe(true);
    expect(problems.some((p) => p.includes('exported name `point` is defined in 2 files'))).toBe(true);
    expect(problems.some((p) => p.includes('history/dup.ts: should open with a one-line comment'))).toBe(
      true,
    );
  });

  it('fails when the root of src/ holds more than six files', () => {
    const extra = Object.fromEntries(
      ['a', 'b', 'c', 'd', 'e'].map((n) => [`${n}.ts`, `// ${n}\nexport const ${n} = 1;\n`]),
    );
    const { problems } = checkStructure(tree({ ...layered, ...extra }));
    expect(problems.some((p) => p.startsWith('the root of src/ holds 7 files (at most 6)'))).toBe(true);
  });

  it('fails on a file over MAX_LINES lines, counted as wc -l counts them (a final newline adds none)', () => {
    const body = (n: number) => `// core\n${'export {};\n'.repeat(n - 1)}`;
    const { problems } = checkStructure(
      tree({ ...layered, 'history/full.ts': body(MAX_LINES), 'history/over.ts': body(MAX_LINES + 1) }),
    );
    const sizes = problems.filter((p) => p.includes('lines (budget'));
    expect(sizes).toHaveLength(1);
    expect(sizes[0]).toMatch(
      new RegExp(`history/over\\.ts: ${MAX_LINES + 1} lines \\(budget ${MAX_LINES}\\)`),
    );
  });
});
