import { resolve } from 'node:path';
import type { Plugin } from 'esbuild';
import { defineConfig } from 'tsup';

/**
 * The dashboard's page and scripts (about 58 KB, stored gzipped) are shipped once, as dist/dashboard-assets.js (ESM), and
 * loaded with `import()` on the first dashboard request, instead of being bundled into the library's chunks
 * (issue 18: the unpacked package was 3.5 MB).
 */
const dashboardAssetsOnce: Plugin = {
  name: 'dashboard-assets-once',
  setup(build) {
    build.onResolve({ filter: /\/assets\.generated\.js$/ }, (args) =>
      args.kind === 'dynamic-import' ? { path: './dashboard-assets.js', external: true } : undefined,
    );
  },
};

/**
 * Code that only some monitors run, built as entries of their own and loaded with a synchronous `require()` when
 * an option asks for it (issue 18): cluster mode (`cluster`) and the channels' senders (`channels`). Each
 * loader module returns a plain import when run from source (vitest, tsx); here its body becomes
 * `require('./<entry>.cjs')`, left external. The loaders live in code every entry shares, so they land in a
 * chunk at dist/'s top level, beside the entries they require (scripts/bin-wrapper.ts checks the paths).
 */
const lazyModules = {
  'lazy-cluster-mode': {
    loader: 'src/monitor/cluster-loader.ts',
    fn: 'loadClusterMode',
    source: 'src/monitor/cluster-mode.ts',
  },
  'lazy-channels': {
    loader: 'src/channels/channel-loader.ts',
    fn: 'loadChannelConfig',
    source: 'src/channels/channel-config.ts',
  },
};
const lazyLoaders: Plugin = {
  name: 'lazy-loaders',
  setup(build) {
    for (const [entry, { loader, fn }] of Object.entries(lazyModules)) {
      const path = resolve(loader);
      build.onLoad({ filter: /-loader\.ts$/ }, (args) =>
        args.path === path
          ? { contents: `export function ${fn}() { return require('./${entry}.cjs'); }`, loader: 'js' }
          : undefined,
      );
    }
    build.onResolve({ filter: /^\.\/lazy-[a-z-]+\.cjs$/ }, (args) =>
      args.kind === 'require-call' ? { path: args.path, external: true } : undefined,
    );
  },
};

/**
 * The output is kept ASCII: V8 stores a script's source as one byte per character only when every character
 * fits in Latin-1, so one `µ` or `…` left in a comment doubled the 353 KB main chunk's string in the heap (and
 * the bytes its scanner reads). esbuild already escapes strings, templates and regular expressions; what is
 * left is comment text, escaped here. Anything else that is not ASCII fails the build.
 */
function escapeNonAscii(code: string, file: string): string {
  return code.replace(/^.*[\u0080-\u{10ffff}].*$/gmu, (line) => {
    const text = line.trimStart();
    if (!/^(\/\/|\/\*|\*)/.test(text)) {
      throw new Error(`${file}: non-ASCII outside a comment: ${text.slice(0, 120)}`);
    }
    return line.replace(/[\u0080-\u{10ffff}]/gu, (c) => `\\u{${c.codePointAt(0)?.toString(16)}}`);
  });
}

/**
 * The library is built once, as CommonJS, and `import` loads the same files as `require`, through a small ES
 * module per entry (see `scripts/bin-wrapper.ts` and `scripts/esm-entries.ts`, run by `npm run build` after
 * tsup). The CLI is an entry of the same build, so it shares the library's chunks instead of bundling its own
 * copy (0.31 MB).
 */
const ENTRIES = {
  index: 'src/index.ts',
  'adapters/express': 'src/adapters/express.ts',
  'adapters/fastify': 'src/adapters/fastify.ts',
  'adapters/koa': 'src/adapters/koa.ts',
};

export default defineConfig([
  {
    entry: {
      ...ENTRIES,
      cli: 'src/cli/cli.ts',
      ...Object.fromEntries(Object.entries(lazyModules).map(([name, { source }]) => [name, source])),
    },
    format: ['cjs'],
    // Types for the public entries only (not the CLI).
    dts: { entry: ENTRIES, compilerOptions: { stripInternal: true } },
    clean: true,
    // No source maps in the package: they were 2.2 MB of the 3.5 MB unpacked.
    sourcemap: false,
    target: 'node20',
    // Whitespace, comments and syntax minified (the JS went from 1.20 MB to 0.84 MB; issue 18's 1.5 MB unpacked),
    // identifiers NOT: a stack trace from the package still names sysvitals' functions (the package test checks
    // it). Not `keepNames` either: it would add a defineProperty per closure on hot paths (bench/queries.ts).
    minifyWhitespace: true,
    minifySyntax: true,
    // Lines cut at about 500 characters (esbuild breaks them where a line break is safe): an uncaught error prints
    // its throwing line first, and one line of the whole chunk (212 KB) buried the message (outside review 37,
    // RT37-8). Costs one byte per line.
    esbuildOptions(options) {
      options.lineLimit = 500;
    },
    // tsup's CJS code splitting: the entries share their chunks, and `import()` stays lazy; scripts/merge-chunks.ts
    // then merges the chunks every adapter loads into dist/core.cjs.
    splitting: true,
    treeshake: true,
    // import.meta.url (the CLI reads its version from ../package.json) from __filename.
    shims: true,
    esbuildPlugins: [dashboardAssetsOnce, lazyLoaders],
    plugins: [
      {
        name: 'ascii-output',
        renderChunk: (code, chunk) => ({ code: escapeNonAscii(code, chunk.path) }),
      },
    ],
  },
  {
    entry: { 'dashboard-assets': 'src/http/dashboard/assets.generated.ts' },
    format: ['esm'],
    target: 'node20',
    sourcemap: false,
  },
]);
