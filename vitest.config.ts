import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { transform } from 'esbuild';
import { defineConfig, type Plugin } from 'vitest/config';
import { LongestFirstSequencer } from './test/helpers/longest-first.js';

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

// The `shared` project: folders whose files run one after another in the same fork with their modules kept
// (`isolate: false`), so src/ is imported once per fork, not once per file. Their files clean up what they change
// of the process (fake timers, spies, stubbed globals, process listeners, servers, monitors: test/helpers/
// shared-fork.ts fails a file that does not) and pass in any order (CONTRIBUTING, Test time). Every other file gets
// a fresh fork (the `isolated` project): the files that set process-wide defaults (`@timed`'s recorder, the cluster
// leftovers' one prune per process), time a module's loading or mock modules. A file that starts clusters, child
// processes or Chromium shares its fork when it stops them itself (test/cluster and dashboard since stop 39). test/adapters, alerts, channels, collector and http passed with their files together in one shared
// fork in shuffled orders (alerts: close-delivers' race fixed first; channels: serveAlerted's attempt timeout, its
// comment; adapters: injected-requests puts back what light-my-request changes of Express, and its 53 files take ~6
// minutes in one fork at load 15-19, which at load 30-36 outlasted a 20-minute guard: slow, not hung; CONTRIBUTING,
// Test time).
const SHARED_FOLDERS = [
  'test/adapters',
  'test/alerts',
  'test/analytics',
  'test/channels',
  'test/cluster',
  'test/collector',
  'test/custom',
  'test/dashboard',
  'test/history',
  'test/http',
  'test/options',
  'test/oracle',
  'test/profiling',
  'test/requests',
  'test/scripts',
  'test/security',
  'test/stores',
];
// Files of those folders that keep a fresh fork: their oracle is what Node's module cache holds (whether the
// histogram code is loaded, and when: another file in the fork has loaded it all), or a module they mock
// (websocket-missing-peer's node:module: in a shared fork src/http/websocket.ts was loaded before the mock;
// redis-close-frozen's src/stores/redis-client.ts: another file of test/stores had loaded it, no timeout was seen;
// lock-mode's). And the test/cluster and dashboard files that run a cluster agent or worker threads in the test's
// own process (`cluster: true` or an in-process cluster: the leftovers' one prune per process), or check that
// prune: the other files of those folders only drive child processes (clusters, PM2, redis-server) and Chromium
// over HTTP, and close their in-process monitors and servers (CONTRIBUTING, Test time: 6 December, stop 39).
const ISOLATED_FILES = [
  // Its Koa cases need this process to hold exactly one Koa middleware that has seen no request (koa-unseen.ts: with
  // two, whose missed requests are whose cannot be told): in the clean-clone CI of 7 December, with the files in
  // longest-first order, a Koa middleware of an earlier file in its fork made them count nothing (6 failed; each
  // passes alone and after the session's new files). Which file's middleware it was is not found.
  'test/adapters/unseen-requests.test.ts',
  // The same for its Koa case (a server no middleware has learnt): 0 unseen in the clean-clone CI of 7 December,
  // 11:33 (a Koa middleware of an earlier file in its fork); it passes alone, three times of three.
  'test/adapters/unseen-node-drops.test.ts',
  // Its oracle is the process-wide coarse request clock driven by the file's fake timers from its first read: in a
  // shared fork an earlier file had started that clock on real timers (the clean-clone CI of 7 December, 03:01: its
  // 5 tests read a second behind; each passes alone).
  'test/requests/per-second-fresh.test.ts',
  'test/cluster/disconnect.test.ts',
  'test/cluster/endpoint.test.ts',
  'test/cluster/fencing.test.ts',
  'test/cluster/leftovers.test.ts',
  'test/cluster/lock-mode.test.ts',
  'test/cluster/thread-aborted.test.ts',
  'test/cluster/threads.test.ts',
  'test/cluster/unseen-report.test.ts',
  'test/cluster/window-hold.test.ts',
  'test/dashboard/scope-browser.test.ts',
  'test/history/first-flush-warm.test.ts',
  'test/history/idle-flush-hdr.test.ts',
  'test/http/websocket-missing-peer.test.ts',
  'test/stores/redis-close-frozen.test.ts',
];
// Files of the other folders that share their forks too: in-process files of test/, test/monitor, latency and
// lifecycle. The rest of those folders keeps a fresh fork.
const SHARED_SINGLE_FILES = [
  'test/logger.test.ts',
  'test/monitor-clock-step.test.ts',
  'test/monitor/reads-side-effects.test.ts',
  // In-process files of the isolated folders (no child process, browser, module mock or process-wide default),
  // passed in one shared fork in shuffled orders (CONTRIBUTING, Test time: 6 December, branch ttime). Not these:
  // clock-step-windows and monitor.test (`@timed`'s process-wide recorder), coarse-clock (the process's one timer).
  'test/dropped-observations.test.ts',
  'test/latency/hdr-library.test.ts',
  'test/latency/latency-ring.test.ts',
  'test/latency/long-durations.test.ts',
  'test/lifecycle/admin-only-server.test.ts',
  'test/lifecycle/drain-clock.test.ts',
  'test/lifecycle/loop-stamps.test.ts',
  'test/lifecycle/shed-verdict.test.ts',
];
const ROOT = fileURLToPath(new URL('.', import.meta.url));
const SHARED_FILES = [
  ...SHARED_FOLDERS.flatMap((folder) =>
    readdirSync(join(ROOT, folder), { recursive: true, encoding: 'utf8' })
      .filter((name) => name.endsWith('.test.ts'))
      .map((name) => `${folder}/${name}`),
  ),
  ...SHARED_SINGLE_FILES,
].filter((file) => !ISOLATED_FILES.includes(file));

const common = {
  // Fixed fast-check seeds in npm test and CI, random ones under npm run fuzz (test/helpers/fixed-seeds.ts).
  setupFiles: ['test/helpers/fixed-seeds.ts'],
  testTimeout: 60_000,
  // expect.poll() waits on a condition (a page's state, a figure reaching its count): its 1 s default gave up under
  // load (a Chromium dashboard read 'reconnecting' at load 25, the page still connecting). A guard, not a bound.
  expect: { poll: { timeout: 15_000 } },
  hookTimeout: 120_000,
  pool: 'forks' as const,
};

const EXCLUDE = ['test/external/**', 'node_modules/**'];

export default defineConfig({
  plugins: [lowerDecorators()],
  test: {
    // The child-process fixtures (cluster app, worker threads, lifecycle apps, the CLI) bundled once per run, started
    // with plain node: under tsx each process compiled src/ again (test/helpers/bundle-fixtures.ts). Run once, for
    // both projects: they do not extend this config (`extends: true` would run it again for each).
    globalSetup: ['test/helpers/bundle-fixtures.ts'],
    // Four test files at a time on the 2-core CI machine. Most files wait (child processes, clusters' elections
    // and holds, servers, Chromium, databases, timers) far longer than they compute: the suite's CPU, children
    // included, is about 370 s while two at a time took ~470 s of wall on the quiet machine, so the cores sat
    // idle more than half of it. vitest's default is cores - 1 (one file at a time there); two at a time cut the
    // wall by about a third, four overlap more of the waiting. Every wait is a generous guard, and the suite
    // passes at load 20-35 (CONTRIBUTING, Test time), far more contention than four files on two cores.
    maxWorkers: 4,
    // Longest first (test/helpers/file-durations.json, from a clean-clone CI run): vitest's own order in a clean
    // clone is larger files first, which left small files that wait long (a cluster case, a CPU-bound simulation) to
    // start last and end the run alone (CONTRIBUTING, Test time, 7 December).
    sequence: { sequencer: LongestFirstSequencer },
    projects: [
      {
        plugins: [lowerDecorators()],
        test: {
          ...common,
          name: 'isolated',
          include: ['test/**/*.test.ts'],
          exclude: [...EXCLUDE, ...SHARED_FILES],
        },
      },
      {
        plugins: [lowerDecorators()],
        test: {
          ...common,
          name: 'shared',
          setupFiles: [...common.setupFiles, 'test/helpers/shared-fork.ts'],
          include: SHARED_FILES,
          exclude: EXCLUDE,
          isolate: false,
        },
      },
    ],
  },
});
