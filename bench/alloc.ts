// What a request allocates on the server, bare and with sysvitals, per framework (issue 18: the CPU ratio under load
// is about twice the instruction ratio, memory traffic suspected). Each variant is a server process of its own
// (bench/alloc-server.mjs: in one process the bare server's responses would pass sysvitals' diagnostics-channel
// subscriber); this process is the client (keep-alive connections, a fixed number of requests per phase), so the
// servers' figures hold no client work. Per phase, the server is brought to a full GC, then V8's GC profiler and the
// heap's used bytes give: bytes allocated per request (the heap's growth plus what every GC freed), scavenges per
// 100k requests, bytes promoted to old space by scavenges per request, GC time and CPU per request. Rounds
// interleave the variants (rotated order); ratios and differences get 95 % t-intervals over the rounds.
//   npx tsx bench/alloc.ts [--frameworks express,fastify,koa] [--rounds 7] [--requests 10000] [--connections 8]
//     [--dist DIR] [--before DIR] [--hook] [--semi-space MB] [--no-write]
// --hook adds bare with one empty middleware (Fastify: an onRequest hook), what any middleware costs the framework;
// --semi-space MB fixes V8's young generation (both semi-space flags) in every server, so that scavenges per request
// follow the bytes (with V8's own sizing, a process's new space grows or shrinks with its history).
// --dist DIR: sysvitals from that build (default dist/); --before DIR adds an earlier build as a third variant in the
// same rounds, and the table gives after − before.

import { type ChildProcess, spawn } from 'node:child_process';
import { Agent, request } from 'node:http';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { loadLine, machineLine, writeSection } from './lib/results.js';
import { formatInterval, meanInterval } from './lib/stats.js';

const { values } = parseArgs({
  options: {
    frameworks: { type: 'string', default: 'express,fastify,koa' },
    rounds: { type: 'string', default: '7' },
    requests: { type: 'string', default: '10000' },
    warmup: { type: 'string', default: '5000' },
    connections: { type: 'string', default: '8' },
    dist: { type: 'string' },
    before: { type: 'string' },
    'no-write': { type: 'boolean', default: false },
    hook: { type: 'boolean', default: false },
    'semi-space': { type: 'string' },
  },
});
const SERVER = fileURLToPath(new URL('./alloc-server.mjs', import.meta.url));
const URLS = ['/users/1', '/users/2', '/items/abc/detail', '/users/3', '/health-of-app'];
const ROUNDS = Number(values.rounds);
const N = Number(values.requests);
const CONNECTIONS = Number(values.connections);

interface PhaseStats {
  newSpace: number;
  bytes: number;
  scavenges: number;
  markCompacts: number;
  promoted: number;
  gcUs: number;
  cpuUs: number;
}

interface Server {
  name: string;
  child: ChildProcess;
  port: number;
  agent: Agent;
}

async function start(
  framework: string,
  variant: string,
  dist: string | undefined,
  name: string,
): Promise<Server> {
  const semi = values['semi-space'];
  const flags = semi === undefined ? [] : [`--min-semi-space-size=${semi}`, `--max-semi-space-size=${semi}`];
  const args = ['--expose-gc', ...flags, SERVER, framework, variant];
  if (dist !== undefined) args.push(resolve(dist));
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'inherit', 'ipc'] });
  const port = await new Promise<number>((done, fail) => {
    let out = '';
    child.stdout?.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /READY (\d+)/.exec(out);
      if (m) done(Number(m[1]));
    });
    child.once('exit', (code) => fail(new Error(`${name} server exited (${code})`)));
  });
  return { name, child, port, agent: new Agent({ keepAlive: true, maxSockets: CONNECTIONS }) };
}

function ask<T>(s: Server, message: string): Promise<T> {
  return new Promise((done) => {
    s.child.once('message', (m) => done(m as T));
    s.child.send(message);
  });
}

function get(s: Server, path: string): Promise<void> {
  return new Promise((done, fail) => {
    const req = request({ host: '127.0.0.1', port: s.port, path, agent: s.agent }, (res) => {
      res.resume();
      res.on('end', done);
    });
    req.on('error', fail);
    req.end();
  });
}

/** `n` requests, CONNECTIONS at a time. */
async function drive(s: Server, n: number): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < n) {
      const i = next++;
      await get(s, URLS[i % URLS.length] as string);
    }
  };
  await Promise.all(Array.from({ length: CONNECTIONS }, worker));
}

async function phase(s: Server, n: number): Promise<PhaseStats> {
  await ask(s, 'begin');
  await drive(s, n);
  return ask<PhaseStats>(s, 'end');
}

const perReq = (p: PhaseStats) => ({
  bytes: p.bytes / N,
  scav: (p.scavenges * 100_000) / N,
  promoted: p.promoted / N,
  gcUs: p.gcUs / N,
  cpuUs: p.cpuUs / N,
  newMB: p.newSpace / 2 ** 20,
});
type PerReq = ReturnType<typeof perReq>;
const KEYS = ['bytes', 'scav', 'promoted', 'gcUs', 'cpuUs', 'newMB'] as const;
const LABEL: Record<(typeof KEYS)[number], string> = {
  bytes: 'bytes allocated / req',
  scav: 'scavenges / 100k req',
  promoted: 'bytes promoted / req',
  gcUs: 'GC µs / req',
  cpuUs: 'server CPU µs / req',
  newMB: 'new space MB (phase end)',
};
const DIGITS: Record<(typeof KEYS)[number], number> = {
  bytes: 0,
  scav: 1,
  promoted: 1,
  gcUs: 3,
  cpuUs: 2,
  newMB: 1,
};

const withBefore = values.before !== undefined;
const rows: string[] = [];
const header = withBefore
  ? '| framework | figure | bare | before | after | before − bare (95% CI) | after − bare (95% CI) | after / bare (95% CI) | after − before (95% CI) |\n|---|---|---:|---:|---:|---|---|---|---|'
  : '| framework | figure | bare | sysvitals | sysvitals − bare (95% CI) | sysvitals / bare (95% CI) |\n|---|---|---:|---:|---|---|';
const log: string[] = [];
const hookRows: string[] = [];

for (const framework of values.frameworks.split(',')) {
  const servers = [
    await start(framework, 'bare', undefined, 'bare'),
    await start(framework, 'sysvitals', values.dist, withBefore ? 'after' : 'sysvitals'),
  ];
  if (withBefore) servers.push(await start(framework, 'sysvitals', values.before, 'before'));
  if (values.hook) servers.push(await start(framework, 'hook', undefined, 'hook'));
  // Warm-up: JIT, route caches, the monitors' first route slots, keep-alive connections opened.
  for (const s of servers) await drive(s, Number(values.warmup));
  const got = new Map<string, PerReq[]>(servers.map((s) => [s.name, []]));
  for (let round = 0; round < ROUNDS; round++) {
    const line: string[] = [];
    for (let k = 0; k < servers.length; k++) {
      const s = servers[(k + round) % servers.length] as Server;
      const p = perReq(await phase(s, N));
      got.get(s.name)?.push(p);
      line.push(`${s.name} ${p.bytes.toFixed(0)} B ${p.scav.toFixed(0)} scav/100k ${p.cpuUs.toFixed(1)} µs`);
    }
    const l = `${framework} round ${round + 1}: ${line.join(', ')}`;
    log.push(l);
    console.log(l);
  }
  for (const s of servers) {
    s.agent.destroy();
    s.child.send('exit');
  }
  const bare = got.get('bare') as PerReq[];
  const after = got.get(withBefore ? 'after' : 'sysvitals') as PerReq[];
  const before = got.get('before') ?? [];
  for (const key of KEYS) {
    const d = DIGITS[key];
    const m = (xs: PerReq[]) => meanInterval(xs.map((x) => x[key])).mean.toFixed(d);
    const diff = (a: PerReq[], b: PerReq[]) =>
      formatInterval(meanInterval(a.map((x, i) => x[key] - (b[i] as PerReq)[key])), d);
    const ratio = (a: PerReq[], b: PerReq[]) => {
      if (b.some((x) => x[key] === 0)) return '–';
      return formatInterval(meanInterval(a.map((x, i) => x[key] / (b[i] as PerReq)[key])), 3);
    };
    rows.push(
      withBefore
        ? `| ${framework} | ${LABEL[key]} | ${m(bare)} | ${m(before)} | ${m(after)} | ${diff(before, bare)} | ${diff(after, bare)} | ${ratio(after, bare)} | ${diff(after, before)} |`
        : `| ${framework} | ${LABEL[key]} | ${m(bare)} | ${m(after)} | ${diff(after, bare)} | ${ratio(after, bare)} |`,
    );
  }
  const hook = got.get('hook');
  if (hook !== undefined)
    for (const key of KEYS)
      hookRows.push(
        `| ${framework} | ${LABEL[key]} | ${meanInterval(hook.map((x) => x[key])).mean.toFixed(DIGITS[key])} | ${formatInterval(meanInterval(hook.map((x, i) => x[key] - (bare[i] as PerReq)[key])), DIGITS[key])} | ${formatInterval(meanInterval(after.map((x, i) => x[key] - (hook[i] as PerReq)[key])), DIGITS[key])} |`,
      );
  console.log(rows.slice(-KEYS.length).join('\n'));
}

const builds = withBefore
  ? `sysvitals from \`${values.dist ?? 'dist/'}\` (after) and \`${values.before}\` (before)`
  : `sysvitals from \`${values.dist ?? 'dist/'}\``;
const text = `${machineLine()} Each variant a server process of its own (bench/alloc-server.mjs), this process the client:
${CONNECTIONS} keep-alive connections, ${ROUNDS} interleaved rounds (rotated order) of ${N} requests per variant, 5 routes;
${builds}${values['semi-space'] === undefined ? '' : `; servers run with a fixed semi-space of ${values['semi-space']} MB`}. Per phase: a full GC, then V8's GC profiler and heap statistics over the phase; bytes allocated = the heap's
growth + what the GCs freed; promoted = old space's growth across scavenges.

${header}
${rows.join('\n')}
${hookRows.length === 0 ? '' : `\nAn empty middleware (Fastify: an onRequest hook), what any middleware costs, in the same rounds:\n\n| framework | figure | hook | hook − bare (95% CI) | sysvitals − hook (95% CI) |\n|---|---|---:|---|---|\n${hookRows.join('\n')}\n`}
\`\`\`
${log.join('\n')}
\`\`\`
${loadLine()}`;
console.log(text);
if (!values['no-write']) writeSection('alloc', text);
