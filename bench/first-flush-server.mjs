// One server for bench/first-flush.ts: an Express app with a sysvitals monitor (MemoryStore, the default), whose
// clock is set so that its first minute boundary falls `leadMs` after start: the first history flush then comes
// in seconds instead of up to a minute.
//
//   node bench/first-flush-server.mjs <build dir> <leadMs> [variant]
//   node --import tsx bench/first-flush-server.mjs source <leadMs> [variant]   (src/ through tsx)
//
// `variant` is `sysvitals` (default) or `bare` (no monitor: the loop's own worst stalls under the same load).
// Prints `READY <port> <boundary epoch ms>` once listening. The event loop's delay is read by a 1 ms
// monitorEventLoopDelay, and the CPU of the longest loop turn by a 1 ms timer; both reset on `RESET` and read on
// `READ` (lines on stdin; answered `MAX <delay ms> <turn CPU ms>`), so the parent chooses the windows. On `PERF`
// it prints the store's appendPoint times.

import { existsSync, readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { createInterface } from 'node:readline';
import { pathToFileURL } from 'node:url';

const [from = 'dist', leadArg = '12000', variant = 'sysvitals'] = process.argv.slice(2);
const lead = Number(leadArg);
const TOKEN = 'bench-token-0123456789abcdef0123456789';
const started = Date.now();
// The monitor's clock: the real one shifted so that its next minute boundary is `lead` ms from now.
const boundaryReal = started + lead;
const offset = Math.ceil((boundaryReal + 1) / 60_000) * 60_000 - boundaryReal;

// SV_MARK=1 (diagnosis, with --trace-deopt/--trace-opt on a line-buffered stdout): a line each second and at the
// flush's appendPoint, to place the trace's lines in time.
const mark = process.env.SV_MARK === '1';
if (mark)
  setInterval(
    () => process.stdout.write(`MARK ${((Date.now() - started) / 1000).toFixed(0)} s\n`),
    1000,
  ).unref();
const delay = monitorEventLoopDelay({ resolution: 1 });
delay.enable();
// The main thread's CPU time between consecutive firings of a 1 ms timer (Linux: /proc/self/task/<pid>/schedstat,
// ns on the CPU; elsewhere the whole process's cpuUsage): its largest value is the CPU of the longest loop turn (a
// stall) plus at most a millisecond's other work, whether or not the machine's load descheduled the process
// meanwhile (the delay above counts that too: at load 20-40 on 2 cores it reads hundreds of ms), and without the
// GC's helper threads, whose concurrent work does not hold the loop.
let lastCpu = 0;
let maxTurnCpu = 0;
const schedstat = `/proc/self/task/${process.pid}/schedstat`;
const cpuNow = existsSync(schedstat)
  ? () => Number(readFileSync(schedstat, 'latin1').split(' ')[0]) / 1e6
  : () => {
      const u = process.cpuUsage();
      return (u.user + u.system) / 1000;
    };
lastCpu = cpuNow();
setInterval(() => {
  const c = cpuNow();
  if (c - lastCpu > maxTurnCpu) maxTurnCpu = c - lastCpu;
  lastCpu = c;
}, 1);

const { default: express } = await import('express');
const app = express();
const appends = [];
if (variant === 'sysvitals') {
  const src = from === 'source';
  const url = src
    ? new URL('../src/adapters/express.js', import.meta.url).href
    : pathToFileURL(`${from}/adapters/express.cjs`).href;
  const index = src
    ? new URL('../src/index.js', import.meta.url).href
    : pathToFileURL(`${from}/index.cjs`).href;
  const { createMonitor } = await import(url);
  const { MemoryStore } = await import(index);
  const clock = { now: () => Date.now() + offset };
  const store = new MemoryStore({ clock });
  const append = store.appendPoint.bind(store);
  store.appendPoint = async (instance, point) => {
    const t0 = performance.now();
    await append(instance, point);
    appends.push({ at: Date.now(), wallMs: performance.now() - t0 });
    if (mark) process.stdout.write(`MARK appendPoint at ${((Date.now() - started) / 1000).toFixed(2)} s\n`);
  };
  const monitor = createMonitor({ adminToken: TOKEN, clock, store });
  app.use(monitor.middleware());
}
app.get('/users/:id', (req, res) => {
  res.json({ hello: 'world', id: req.params.id });
});
const server = createServer(app);
server.listen(0, '127.0.0.1', () => {
  const { port } = server.address();
  process.stdout.write(`READY ${port} ${boundaryReal}\n`);
});

createInterface({ input: process.stdin }).on('line', (line) => {
  const cmd = line.trim();
  if (cmd === 'RESET') {
    delay.reset();
    maxTurnCpu = 0;
    lastCpu = cpuNow();
    process.stdout.write('OK\n');
  } else if (cmd === 'READ') {
    process.stdout.write(`MAX ${(delay.max / 1e6).toFixed(3)} ${maxTurnCpu.toFixed(3)}\n`);
  } else if (cmd === 'PERF') {
    process.stdout.write(`APPENDS ${JSON.stringify(appends)}\n`);
  } else if (cmd === 'EXIT') {
    process.exit(0);
  }
});
