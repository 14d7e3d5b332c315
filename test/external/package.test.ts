// Installs the packed tarball into scratch projects and uses it from plain ESM, plain CJS and
// TypeScript, so a broken `exports` map, a missing file or wrong types cannot land.
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const exec = promisify(execFile);
// Failures show what the command printed, not just its exit code.
async function run(cmd: string, args: string[], options: { cwd: string }) {
  try {
    return await exec(cmd, args, { ...options, maxBuffer: 16 * 1024 * 1024 });
  } catch (err) {
    const e = err as Error & { stdout?: string; stderr?: string };
    throw new Error(`${cmd} ${args.join(' ')} failed:\n${e.stdout ?? ''}\n${e.stderr ?? ''}`);
  }
}
const root = resolve(import.meta.dirname, '../..');
const bin = (name: string) => join(root, 'node_modules/.bin', name);
let work: string;
let tarball: string;
let project: string;
/** npm's own account of the tarball (`npm pack --json`): its files and their sizes, as a user downloads them. */
let packed: { size: number; unpackedSize: number; files: Array<{ path: string; size: number }> };
/** Issue 18: the installed package (what `npm install sysvitals` writes to disk) is at most 1.5 MB. */
const UNPACKED_LIMIT_BYTES = 1_500_000;

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'sysvitals-pkg-'));
  await run('npm', ['run', 'build'], { cwd: root });
  const { stdout } = await run('npm', ['pack', '--json', '--pack-destination', work], { cwd: root });
  packed = JSON.parse(stdout)[0];
  tarball = join(work, JSON.parse(stdout)[0].filename);
  project = join(work, 'project');
  await mkdir(project);
  await writeFile(join(project, 'package.json'), JSON.stringify({ name: 'scratch', private: true }));
  await run(
    'npm',
    [
      'install',
      '--no-audit',
      '--no-fund',
      '--ignore-scripts',
      tarball,
      'express@5',
      '@types/express@5',
      '@types/node@20',
    ],
    {
      cwd: project,
    },
  );
});

afterAll(async () => {
  if (work) await rm(work, { recursive: true, force: true });
});

describe('packed tarball', () => {
  it('passes publint', async () => {
    const { stdout } = await run(bin('publint'), ['run', '--strict', tarball], { cwd: root });
    expect(stdout).not.toMatch(/error/i);
  });

  it('passes @arethetypeswrong/cli for every entry point', async () => {
    // node16 (from ESM and from CJS) and bundler resolution must all resolve; node10, which knows no
    // `exports` map and so no subpath entry, is out of scope for a Node >= 20 package.
    const { stdout } = await run(bin('attw'), [tarball, '--profile', 'node16', '--format', 'table-flipped'], {
      cwd: root,
    });
    // attw exits non-zero on any problem, which `run` turns into a failure; every entry was checked.
    for (const entry of ['"sysvitals"', '"sysvitals/express"', '"sysvitals/fastify"', '"sysvitals/koa"']) {
      expect(stdout).toContain(entry);
    }
  });

  it('ships only dist and docs', async () => {
    const files = await readdir(join(project, 'node_modules/sysvitals'));
    expect(files.sort()).toEqual(expect.arrayContaining(['dist', 'package.json', 'README.md']));
    expect(files).not.toContain('src');
    expect(files).not.toContain('test');
    // The changelog (0.4 MB and growing) stays in the repository; README links to it there.
    expect(files).not.toContain('CHANGELOG.md');
    expect(files).not.toContain('SECURITY.md');
  });

  it('unpacks to at most 1.5 MB (issue 18)', () => {
    // npm's own figure for the tarball installed above; it grew unnoticed from 1.21 MB to 2.23 MB in four days.
    const largest = [...packed.files]
      .sort((a, b) => b.size - a.size)
      .slice(0, 6)
      .map((f) => `${f.path} ${f.size}`);
    expect(packed.unpackedSize, `largest files: ${largest.join(', ')}`).toBeLessThanOrEqual(
      UNPACKED_LIMIT_BYTES,
    );
    // The figure is the sum of the files npm lists (so no file escapes the count).
    expect(packed.unpackedSize).toBe(packed.files.reduce((sum, f) => sum + f.size, 0));
  });

  it("names sysvitals' own functions in a stack trace from the minified build", async () => {
    // The shipped JavaScript is minified for whitespace and syntax only (tsup.config.ts): identifiers keep their
    // names, so an error thrown inside the library still says where. A bad option throws from the options check.
    await writeFile(
      join(project, 'stack.cjs'),
      `const { createMonitor } = require('sysvitals/express');
try { createMonitor({ sampleIntervalMs: -5 }); } catch (err) { console.log(JSON.stringify({ code: err.code, stack: err.stack })); }
`,
    );
    const { stdout } = await run('node', ['stack.cjs'], { cwd: project });
    const { code, stack } = JSON.parse(stdout) as { code: string; stack: string };
    expect(code).toBe('ERR_SYSVITALS_INVALID_OPTION');
    const frames = stack
      .split('\n')
      .filter((l) => l.includes('node_modules/sysvitals/dist/'))
      .map((l) => l.trim().replace(/ \(.*$/, ''));
    expect(frames).toEqual(
      expect.arrayContaining(['at invalidOption', 'at checkMonitorOptions', 'at Object.createMonitor']),
    );
  });

  it('prints an uncaught setup error after a short source line, not a line of the whole bundle', async () => {
    // Outside review 37, RT37-8: Node prints the throwing line first; one minified line of 212 KB buried the message.
    await writeFile(
      join(project, 'setup-error.cjs'),
      `const { createMonitor } = require('sysvitals');
createMonitor({ alerts: { rules: [{ name: 'q{[|]}', metric: 'custom.q', warning: 1 }] } });
`,
    );
    const r = await exec('node', ['setup-error.cjs'], { cwd: project, maxBuffer: 16 * 1024 * 1024 }).then(
      () => ({ stderr: '' }),
      (err: { stderr?: string }) => ({ stderr: err.stderr ?? '' }),
    );
    expect(r.stderr).toContain("code: 'ERR_SYSVITALS_INVALID_RULE'");
    expect(r.stderr).toContain('`alerts.rules[0].name` must be a name');
    const longest = Math.max(...r.stderr.split('\n').map((l) => l.length));
    expect(longest, 'longest stderr line').toBeLessThanOrEqual(1000);
  });

  it('works from plain ESM', async () => {
    await writeFile(
      join(project, 'esm.mjs'),
      `import { MetricsCollector, createMonitor } from 'sysvitals';
import * as express from 'sysvitals/express';
import * as fastify from 'sysvitals/fastify';
import * as koa from 'sysvitals/koa';
const snapshot = await new MetricsCollector().collect();
const monitor = createMonitor({ sampleIntervalMs: 60000 });
await monitor.close();
console.log(JSON.stringify({ cpu: typeof snapshot.cpu.current_percent, adapters: [typeof express.createMonitor, typeof fastify.createMonitor, typeof koa.createMonitor] }));
`,
    );
    const { stdout } = await run('node', ['esm.mjs'], { cwd: project });
    expect(JSON.parse(stdout)).toEqual({ cpu: 'number', adapters: ['function', 'function', 'function'] });
  });

  it('gives `import` and `require` one copy of the library, name for name (`import` loads the CommonJS build)', async () => {
    // Node's `import 'sysvitals'` takes dist/index.mjs (scripts/esm-entries.ts), which `require`s the CommonJS entry
    // and re-exports the names it had when built: every name `require` gives must be there, holding the very same
    // value, and `default` is the whole module.exports, as Node gives it for a CommonJS file (as it does for the
    // adapter entries, which `import` loads as CommonJS).
    await writeFile(
      join(project, 'both.mjs'),
      `import { createRequire } from 'node:module';
import * as core from 'sysvitals';
const require = createRequire(import.meta.url);
const out = {};
for (const entry of ['sysvitals', 'sysvitals/express', 'sysvitals/fastify', 'sysvitals/koa']) {
  const esm = await import(entry);
  const cjs = require(entry);
  const names = Object.keys(cjs).sort();
  out[entry] = {
    resolved: import.meta.resolve(entry).replace(/^.*\\/dist\\//, ''),
    missing: names.filter((n) => !(n in esm)),
    extra: Object.keys(esm).filter((n) => n !== 'default' && !names.includes(n)),
    different: names.filter((n) => esm[n] !== cjs[n]),
    default: esm.default === cjs,
    names: names.length,
  };
}
out.classes = core.MetricsCollector === require('sysvitals').MetricsCollector && core.SystemMonitor === require('sysvitals').SystemMonitor;
console.log(JSON.stringify(out));
`,
    );
    const { stdout } = await run('node', ['both.mjs'], { cwd: project });
    const out = JSON.parse(stdout);
    expect(out.classes).toBe(true);
    for (const [entry, file] of [
      ['sysvitals', 'index.mjs'],
      ['sysvitals/express', 'adapters/express.cjs'],
      ['sysvitals/fastify', 'adapters/fastify.cjs'],
      ['sysvitals/koa', 'adapters/koa.cjs'],
    ] as const) {
      expect(out[entry], entry).toEqual({
        resolved: file,
        missing: [],
        extra: [],
        different: [],
        default: true,
        names: expect.any(Number),
      });
      expect(out[entry].names, entry).toBeGreaterThan(0);
    }
  });

  it('leaves bundlers and `node --no-addons` on the CommonJS files (dist/index.mjs is for Node alone)', async () => {
    // A bundler cannot follow the wrappers' createRequire(import.meta.url): esbuild kept `require('./index.cjs')`
    // in its output, which failed at run time. package.json gives it to Node only, under `node-addons`.
    await writeFile(
      join(project, 'bundled.mjs'),
      `import { createMonitor } from 'sysvitals';
import { createMonitor as forExpress } from 'sysvitals/express';
console.log(JSON.stringify([typeof createMonitor, typeof forExpress]));
`,
    );
    await run(
      bin('esbuild'),
      [
        'bundled.mjs',
        '--bundle',
        '--platform=node',
        '--format=cjs',
        '--outfile=out/bundled.cjs',
        '--log-level=error',
      ],
      { cwd: project },
    );
    const bundled = await run('node', ['out/bundled.cjs'], { cwd: project });
    expect(JSON.parse(bundled.stdout)).toEqual(['function', 'function']);
    // An ES module bundle with README's banner (outside review 23, RT23-3: without it, `__filename is not defined`).
    const banner = [
      "import { createRequire } from 'node:module';",
      "import { fileURLToPath } from 'node:url';",
      "import { dirname } from 'node:path';",
      'const require = createRequire(import.meta.url);',
      'const __filename = fileURLToPath(import.meta.url);',
      'const __dirname = dirname(__filename);',
    ].join(' ');
    const esmArgs = ['bundled.mjs', '--bundle', '--platform=node', '--format=esm', '--log-level=error'];
    await run(bin('esbuild'), [...esmArgs, '--outfile=out/bundled.mjs', `--banner:js=${banner}`], {
      cwd: project,
    });
    const esm = await run('node', ['out/bundled.mjs'], { cwd: project });
    expect(JSON.parse(esm.stdout)).toEqual(['function', 'function']);
    const noAddons = await run(
      'node',
      ['--no-addons', '--input-type=module', '-e', "console.log(import.meta.resolve('sysvitals'))"],
      { cwd: project },
    );
    expect(noAddons.stdout.trim()).toMatch(/\/dist\/index\.cjs$/);
  });

  it('works from plain CJS', async () => {
    await writeFile(
      join(project, 'cjs.cjs'),
      `const { MetricsCollector, createMonitor } = require('sysvitals');
const { createMonitor: forExpress } = require('sysvitals/express');
new MetricsCollector().collect().then(async (snapshot) => {
  const monitor = createMonitor({ sampleIntervalMs: 60000 });
  await monitor.close();
  console.log(JSON.stringify({ memory: typeof snapshot.memory.used_percent, express: typeof forExpress }));
});
`,
    );
    const { stdout } = await run('node', ['cjs.cjs'], { cwd: project });
    expect(JSON.parse(stdout)).toEqual({ memory: 'number', express: 'function' });
  });

  it('loads cluster mode and the channel senders only for a monitor that sets them, in CJS and ESM', async () => {
    // The adapter entry must not load them; a monitor with `cluster` or `channels` loads that part, synchronously,
    // in its constructor (dist/lazy-*.cjs, tsup.config.ts); the clustered one becomes the cluster's aggregator.
    const script = (kind: 'cjs' | 'esm') => `${
      kind === 'cjs'
        ? "const { createMonitor } = require('sysvitals/express');"
        : "import { createRequire } from 'node:module';\nimport { createMonitor } from 'sysvitals/express';\nconst require = createRequire(import.meta.url);"
    }
const { mkdtempSync } = require('node:fs');
const { tmpdir } = require('node:os');
const { join } = require('node:path');
const lazy = () => Object.keys(require.cache).filter((f) => /lazy-[a-z-]+\\.cjs$/.test(f)).map((f) => f.replace(/^.*[\\\\/]/, '')).sort();
const atImport = lazy();
const plain = createMonitor({ sampleIntervalMs: 0 });
const afterPlain = lazy();
const monitor = createMonitor({
  sampleIntervalMs: 0,
  cluster: { name: 'pkg-' + process.pid, socketDir: mkdtempSync(join(tmpdir(), 'sv-sock-')), intervalMs: 100 },
});
const afterCluster = lazy();
const alerting = createMonitor({ sampleIntervalMs: 0, channels: [{ type: 'webhook', url: 'http://127.0.0.1:9/hook' }] });
const afterChannels = lazy();
const started = Date.now();
const wait = () => monitor.cluster.role === 'aggregator' || Date.now() - started > 60000 ? done() : setTimeout(wait, 50);
async function done() {
  const role = monitor.cluster.role;
  await monitor.close();
  await plain.close();
  await alerting.close();
  console.log(JSON.stringify({ atImport, afterPlain, afterCluster, afterChannels, role, channels: alerting.notifications.status().length }));
}
wait();
`;
    await writeFile(join(project, 'lazy.cjs'), script('cjs'));
    await writeFile(join(project, 'lazy.mjs'), script('esm'));
    for (const file of ['lazy.cjs', 'lazy.mjs']) {
      const { stdout } = await run('node', [file], { cwd: project });
      expect(JSON.parse(stdout)).toEqual({
        atImport: [],
        afterPlain: [],
        afterCluster: ['lazy-cluster-mode.cjs'],
        afterChannels: ['lazy-channels.cjs', 'lazy-cluster-mode.cjs'],
        role: 'aggregator',
        channels: 1,
      });
    }
  });

  it('type-checks from TypeScript (NodeNext, ESM and CJS files) and runs the bin', async () => {
    await writeFile(
      join(project, 'index.ts'),
      `import {
  MetricsCollector,
  type MetricsSnapshot,
  type HealthStatus,
  type ProbeRulesOptions,
  type SeriesPoint,
  type ShedOptions,
} from 'sysvitals';
import { type AdapterSource, createMonitor, type ExpressMonitorOptions } from 'sysvitals/express';
import express from 'express';
const app = express();
// Every type the public API uses can be named (api-extractor ae-forgotten-export is an error in CI).
const shed: ShedOptions = { maxEventLoopDelayMs: 500 };
const probeRules: ProbeRulesOptions = {};
const options: ExpressMonitorOptions = { adminToken: 'secret', shed, probeRules };
const monitor = createMonitor(options);
const source: AdapterSource = monitor;
const point: SeriesPoint = { kind: 'counter', increase: 1 };
// @ts-expect-error: internal members are stripped from the published types
monitor.requests;
void source; void point;
app.use(monitor.middleware());
const snapshot: MetricsSnapshot = await new MetricsCollector().collect();
const pct: number = snapshot.cpu.current_percent;
const health: HealthStatus = await monitor.getHealth();
// @ts-expect-error: the snapshot has no such group
snapshot.nonexistent;
void pct; void health;
await monitor.close();
`,
    );
    // The same types from a CommonJS file of that project (`require` condition).
    await writeFile(
      join(project, 'required.cts'),
      `import sysvitals = require('sysvitals');
import express = require('sysvitals/express');
const monitor: sysvitals.SystemMonitor = express.createMonitor({ adminToken: 'secret' });
// @ts-expect-error: the snapshot has no such group
const nothing: sysvitals.MetricsSnapshot['nonexistent'] = undefined;
void monitor; void nothing;
`,
    );
    await writeFile(
      join(project, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: {
          target: 'ES2022',
          module: 'NodeNext',
          moduleResolution: 'NodeNext',
          strict: true,
          noEmit: true,
          skipLibCheck: false,
          types: ['node'],
        },
        files: ['index.ts', 'required.cts'],
      }),
    );
    await writeFile(
      join(project, 'package.json'),
      JSON.stringify({
        name: 'scratch',
        private: true,
        type: 'module',
        dependencies: {
          sysvitals: `file:${tarball}`,
          express: '5',
          '@types/express': '5',
          '@types/node': '20',
        },
      }),
    );
    await run(bin('tsc'), ['-p', 'tsconfig.json'], { cwd: project });
    const { stdout } = await run(join(project, 'node_modules/.bin/sysvitals'), ['collect'], { cwd: project });
    expect(Object.keys(JSON.parse(stdout))).toEqual(
      expect.arrayContaining(['timestamp', 'cpu', 'memory', 'disk']),
    );
  });
});
