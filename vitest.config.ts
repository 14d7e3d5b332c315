import { transform } from 'esbuild';
import { defineConfig, type Plugin } from 'vitest/config';

// vite 8 (oxc) passes TC39 decorators to Node 20 untransformed; lower them with esbuild.
// Files named *.legacy.test.ts are compiled with experimentalDecorators, the rest as TC39.
function lowerDecorators(): Plugin {
  return {
    name: 'sysvitals:lower-decorators',
    enforce: 'pre',
    async transform(code, id) {
      if (!id.endsWith('.ts') || !/^\s*@\w/m.test(code)) return null;
      const result = await transform(code, {
        loader: 'ts',
        format: 'esm',
        target: 'es2022',
        sourcemap: true,
        sourcefile: id,
        tsconfigRaw: { compilerOptions: { experimentalDecorators: id.endsWith('.legacy.test.ts') } },
      });
      return { code: result.code, map: result.map };
    },
  };
}

export default defineConfig({
  plugins: [lowerDecorators()],
  test: {
    include: ['test/**/*.test.ts'],
    exclude: ['test/external/**', 'node_modules/**'],
    // Fixed fast-check seeds in npm test and CI, random ones under npm run fuzz (test/helpers/fixed-seeds.ts).
    setupFiles: ['test/helpers/fixed-seeds.ts'],
    // The child-process fixtures (cluster app, worker threads, lifecycle apps, the CLI) bundled once per run, started
    // with plain node: under tsx each process compiled src/ again (test/helpers/bundle-fixtures.ts).
    globalSetup: ['test/helpers/bundle-fixtures.ts'],
    testTimeout: 60_000,
    // expect.poll() waits on a condition (a page's state, a figure reaching its count): its 1 s default gave up under
    // load (a Chromium dashboard read 'reconnecting' at load 25, the page still connecting). A guard, not a bound.
    expect: { poll: { timeout: 15_000 } },
    hookTimeout: 120_000,
    pool: 'forks',
    // Four test files at a time on the 2-core CI machine. Most files wait (child processes, clusters' elections
    // and holds, servers, Chromium, databases, timers) far longer than they compute: the suite's CPU, children
    // included, is about 370 s while two at a time took ~470 s of wall on the quiet machine, so the cores sat
    // idle more than half of it. vitest's default is cores - 1 (one file at a time there); two at a time cut the
    // wall by about a third, four overlap more of the waiting. Every wait is a generous guard, and the suite
    // passes at load 20-35 (CONTRIBUTING, Test time), far more contention than four files on two cores.
    maxWorkers: 4,
  },
});
