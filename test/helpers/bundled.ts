// The path of a child-process fixture bundled for this run by bundle-fixtures.ts (vitest globalSetup).

import { join } from 'node:path';
import { inject } from 'vitest';
import type { BundledFixture } from './bundle-fixtures.js';

/** The bundled `<name>.mjs`, to start with plain `node` (or as a worker thread's script). */
export function bundled(name: BundledFixture): string {
  const dir = inject('fixtureBundleDir');
  if (!dir)
    throw new Error(
      'no bundled fixtures: run the tests with vitest.config.ts (its globalSetup bundles them)',
    );
  return join(dir, `${name}.mjs`);
}
