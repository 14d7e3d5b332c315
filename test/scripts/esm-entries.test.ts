// scripts/esm-entries.ts on a fixture CommonJS module: the ES module it writes gives Node's `require` result,
// name for name and object for object, and a name a `const` cannot bind fails the build instead of vanishing.

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { esmWrapper } from '../../scripts/esm-entries.js';

let dirs: string[] = [];
afterEach(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
  dirs = [];
});

// The shapes tsup's CommonJS output uses: a getter re-exported from a chunk, and a plain assignment.
const FIXTURE = `'use strict';
class Monitor {}
const state = { loads: (globalThis.__svFixtureLoads = (globalThis.__svFixtureLoads ?? 0) + 1) };
Object.defineProperty(exports, 'Monitor', { enumerable: true, get: function () { return Monitor; } });
exports.createMonitor = function createMonitor() { return new Monitor(); };
exports.state = state;
`;

describe('esmWrapper', () => {
  it("re-exports the CommonJS module's own objects, loaded once", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sv-esm-entries-'));
    dirs.push(dir);
    writeFileSync(join(dir, 'entry.cjs'), FIXTURE);
    const cjs = createRequire(import.meta.url)(join(dir, 'entry.cjs'));
    writeFileSync(join(dir, 'entry.mjs'), esmWrapper('./entry.cjs', Object.keys(cjs)));
    const esm = await import(pathToFileURL(join(dir, 'entry.mjs')).href);
    expect(Object.keys(esm).sort()).toEqual(['Monitor', 'createMonitor', 'default', 'state']);
    expect(esm.default).toBe(cjs);
    expect(esm.Monitor).toBe(cjs.Monitor);
    expect(esm.createMonitor).toBe(cjs.createMonitor);
    expect(esm.state).toBe(cjs.state);
    expect(esm.createMonitor()).toBeInstanceOf(cjs.Monitor);
    expect(cjs.state.loads).toBe(1);
  });

  it('refuses a name it cannot export as a const, and an entry with no names', () => {
    expect(() => esmWrapper('./entry.cjs', ['createMonitor', 'default'])).toThrow(/default/);
    expect(() => esmWrapper('./entry.cjs', ['a-b'])).toThrow(/a-b/);
    expect(() => esmWrapper('./entry.cjs', [])).toThrow(/exports nothing/);
  });
});
