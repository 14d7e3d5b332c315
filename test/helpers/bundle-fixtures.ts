// vitest globalSetup: bundles the child-process fixtures once per run (esbuild, src/ included, packages left to
// node_modules), so that each child starts on plain `node`: about 0.25 s of CPU a process against 0.8 s under
// `node --import tsx`, which transforms src/ again in every process. Tests find the files with bundled().

import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { build } from 'esbuild';
import type { TestProject } from 'vitest/node';

/**
 * The bundled fixtures: name -> source. What a test checks of how users start a thing stays unbundled: the examples
 * run under tsx as the README says, the packed tarball in test/external.
 */
export const BUNDLED_FIXTURES = {
  'cluster-app': 'test/cluster/fixtures/app.ts',
  'thread-pool': 'test/cluster/fixtures/thread-pool.ts',
  'thread-ending': 'test/cluster/fixtures/thread-ending.ts',
  'thread-aborted': 'test/cluster/fixtures/thread-aborted.ts',
  'plugin-close': 'test/cluster/fixtures/plugin-close.ts',
  'drain-app': 'test/lifecycle/fixtures/drain-app.ts',
  'fd-app': 'test/lifecycle/fixtures/fd-app.ts',
  'close-exits': 'test/reliability/fixtures/close-exits.ts',
  'async-callbacks': 'test/reliability/fixtures/async-callbacks.ts',
  'close-retry': 'test/reliability/fixtures/close-retry.ts',
  'histogram-heap': 'test/custom/fixtures/histogram-heap.ts',
  'close-plugin-fetch': 'test/reliability/fixtures/close-plugin-fetch.ts',
  // The CLI as the published bin runs it (dist/cli.js is a bundle too); two levels under the root, where its
  // version() finds ../../package.json as it does from src/cli/cli.ts.
  cli: 'src/cli/cli.ts',
} as const;

/** A fixture's name in BUNDLED_FIXTURES. */
export type BundledFixture = keyof typeof BUNDLED_FIXTURES;

declare module 'vitest' {
  export interface ProvidedContext {
    /** The directory of this run's bundled fixtures (`<name>.mjs`). */
    fixtureBundleDir: string;
  }
}

async function bundle(root: string, outdir: string): Promise<void> {
  rmSync(outdir, { recursive: true, force: true });
  mkdirSync(outdir, { recursive: true });
  await build({
    absWorkingDir: root,
    entryPoints: Object.fromEntries(Object.entries(BUNDLED_FIXTURES).map(([name, src]) => [name, src])),
    outdir,
    outExtension: { '.js': '.mjs' },
    // One copy of src/ for every entry: the chunks sit beside them (createRequire(import.meta.url) still resolves
    // packages from the root's node_modules, two levels up).
    splitting: true,
    chunkNames: 'chunk-[hash]',
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    packages: 'external',
    logLevel: 'warning',
  });
}

/** Bundles into .tmp/fixtures-<pid>/ (inside the root, so that packages resolve); rebuilt on each watch rerun. */
export async function setup(project: TestProject): Promise<() => void> {
  const root = project.config.root;
  const outdir = join(root, '.tmp', `fixtures-${process.pid}`);
  await bundle(root, outdir);
  project.provide('fixtureBundleDir', outdir);
  project.onTestsRerun(() => bundle(root, outdir));
  return () => rmSync(outdir, { recursive: true, force: true });
}
