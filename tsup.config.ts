import type { Plugin } from 'esbuild';
import { defineConfig } from 'tsup';

/**
 * The dashboard's page and scripts (about 100 KB) are shipped once, as dist/dashboard-assets.js (ESM), and
 * loaded with `import()` on the first dashboard request by both the ESM and the CJS builds, instead of being
 * bundled into each (issue 18: the unpacked package was 3.5 MB).
 */
const dashboardAssetsOnce: Plugin = {
  name: 'dashboard-assets-once',
  setup(build) {
    build.onResolve({ filter: /\/assets\.generated\.js$/ }, (args) =>
      args.kind === 'dynamic-import' ? { path: './dashboard-assets.js', external: true } : undefined,
    );
  },
};

export default defineConfig([
  {
    entry: {
      index: 'src/index.ts',
      'adapters/express': 'src/adapters/express.ts',
      'adapters/fastify': 'src/adapters/fastify.ts',
      'adapters/koa': 'src/adapters/koa.ts',
    },
    format: ['esm', 'cjs'],
    dts: true,
    clean: true,
    // No source maps in the package: they were 2.2 MB of the 3.5 MB unpacked, and the output is readable.
    sourcemap: false,
    target: 'node20',
    splitting: true,
    treeshake: true,
    esbuildPlugins: [dashboardAssetsOnce],
  },
  {
    entry: { 'dashboard-assets': 'src/http/dashboard/assets.generated.ts' },
    format: ['esm'],
    target: 'node20',
    sourcemap: false,
  },
  {
    entry: { cli: 'src/cli/cli.ts' },
    format: ['esm'],
    target: 'node20',
    sourcemap: false,
    banner: { js: '#!/usr/bin/env node' },
    esbuildPlugins: [dashboardAssetsOnce],
  },
]);
