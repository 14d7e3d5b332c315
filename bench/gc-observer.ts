// GCs per 1,000 requests and bytes allocated per request (issue 18, RESULTS `gc-observer`): load-independent
// counts, since a scavenge comes when the young generation is full, whatever the machine's load. Each server
// (bench/instructions-server.mjs: bare, `gc` = bare with sysvitals' GC observer alone, sysvitals) runs natively
// under --trace-gc-nvp, is sent W warm-up requests over keep-alive sockets from this process, then N requests
// between two `heap` marks (V8's used heap size); the GCs V8 printed in between are counted by kind, and the bytes
// allocated in the window are the used heap's growth between the marks plus what each GC freed (its
// total_size_before less the previous size after). The `gc` server also prints the entries its observer counted
// (the same GCs, seen by the PerformanceObserver: a check that it misses none).
//   npx tsx bench/gc-observer.ts [--frameworks koa,fastify,express] [--variants bare,gc,sysvitals]
//     [--warmup 5000] [--requests 30000] [--rounds 3] [--connections 1]

import { type ChildProcess, spawn } from 'node:child_process';
import { Agent } from 'node:http';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { drive } from './lib/drive.js';
import { formatInterval, meanInterval } from './lib/stats.js';

const { values } = parseArgs({
  options: {
    frameworks: { type: 'string', default: 'koa,fastify,express' },
    variants: { type: 'string', default: 'bare,gc,sysvitals' },
    warmup: { type: 'string', default: '5000' },
    requests: { type: 'string', default: '30000' },
    rounds: { type: 'string', default: '3' },
    connections: { type: 'string', default: '1' },
    dist: { type: 'string' },
  },
});
const SERVER = fileURLToPath(new URL('./instructions-server.mjs', import.meta.url));
const CONNECTIONS = Math.max(1, Number(values.connections));

interface Server {
  child: ChildProcess;
  port: number;
  lines: string[];
}

async function start(framework: string, variant: string): Promise<Server> {
  const args = ['--trace-gc-nvp', SERVER, framework, variant];
  if (values.dist !== undefined) args.push(values.dist);
  const child = spawn(process.execPath, args, { stdio: ['pipe', 'pipe', 'inherit'] });
  const lines: string[] = [];
  let buffered = '';
  let onLine: ((line: string) => void) | undefined;
  child.stdout?.setEncoding('utf8');
  child.stdout?.on('data', (d: string) => {
    buffered += d;
    for (let i = buffered.indexOf('\n'); i >= 0; i = buffered.indexOf('\n')) {
      const line = buffered.slice(0, i);
      buffered = buffered.slice(i + 1);
      lines.push(line);
      onLine?.(line);
    }
  });
  const port = await new Promise<number>((resolve, reject) => {
    onLine = (line) => {
      if (line.startsWith('READY ')) resolve(Number(line.slice(6)));
    };
    child.on('exit', () => reject(new Error(`${framework} ${variant} exited before READY`)));
  });
  return { child, port, lines };
}

/** Sends `command` on the server's stdin; resolves with the line starting with `prefix` it prints back. */
async function ask(s: Server, command: string, prefix: string): Promise<{ line: string; index: number }> {
  const seen = s.lines.length;
  s.child.stdin?.write(`${command}\n`);
  for (;;) {
    const i = s.lines.findIndex((l, j) => j >= seen && l.startsWith(prefix));
    if (i >= 0) return { line: s.lines[i] as string, index: i };
    await new Promise((r) => setTimeout(r, 5));
  }
}

const field = (line: string, name: string): number =>
  Number(new RegExp(`\\b${name}=([0-9.]+)`).exec(line)?.[1]);

interface Window {
  scavenges: number;
  markCompacts: number;
  other: number;
  bytes: number;
  seen?: number[];
}

async function measure(framework: string, variant: string, warmup: number, n: number): Promise<Window> {
  const s = await start(framework, variant);
  const agent = new Agent({ keepAlive: true, maxSockets: CONNECTIONS });
  await drive(s.port, warmup, agent, CONNECTIONS);
  const seen0 = variant === 'gc' ? (await ask(s, 'seen', 'SEEN ')).line : undefined;
  const a = await ask(s, 'heap', 'HEAP ');
  await drive(s.port, n, agent, CONNECTIONS);
  const b = await ask(s, 'heap', 'HEAP ');
  // the observer's entries come an immediate or two after their GC: let them arrive
  await new Promise((r) => setTimeout(r, 50));
  const seen1 = variant === 'gc' ? (await ask(s, 'seen', 'SEEN ')).line : undefined;
  agent.destroy();
  s.child.stdin?.end();
  const gcs = s.lines.slice(a.index + 1, b.index).filter((l) => l.includes(' gc='));
  let prevAfter = Number(a.line.slice(5));
  let bytes = 0;
  const w: Window = { scavenges: 0, markCompacts: 0, other: 0, bytes: 0 };
  for (const l of gcs) {
    const kind = /\bgc=(\w+)/.exec(l)?.[1];
    if (kind === 's') w.scavenges++;
    else if (kind === 'mc' || kind === 'mmc') w.markCompacts++;
    else w.other++;
    bytes += field(l, 'total_size_before') - prevAfter;
    prevAfter = field(l, 'total_size_after');
  }
  w.bytes = bytes + Number(b.line.slice(5)) - prevAfter;
  if (seen0 !== undefined && seen1 !== undefined) {
    const x = seen0.slice(5).split(' ').map(Number);
    w.seen = seen1
      .slice(5)
      .split(' ')
      .map((v, i) => Number(v) - (x[i] as number));
  }
  return w;
}

const N = Number(values.requests);
const rows: string[] = [];
for (const framework of (values.frameworks as string).split(',')) {
  for (const variant of (values.variants as string).split(',')) {
    const per: { gcs: number[]; scav: number[]; mc: number[]; bytes: number[] } = {
      gcs: [],
      scav: [],
      mc: [],
      bytes: [],
    };
    for (let r = 0; r < Number(values.rounds); r++) {
      const w = await measure(framework, variant, Number(values.warmup), N);
      per.scav.push((w.scavenges * 1000) / N);
      per.mc.push((w.markCompacts * 1000) / N);
      per.gcs.push(((w.scavenges + w.markCompacts + w.other) * 1000) / N);
      per.bytes.push(w.bytes / N);
      process.stderr.write(
        `${framework} ${variant} round ${r + 1}: scavenges ${w.scavenges}, mark-compacts ${w.markCompacts}, other ${w.other}, ${(w.bytes / N).toFixed(0)} B/req${w.seen ? `; observer saw minor ${w.seen[0]}, major ${w.seen[1]}, incremental ${w.seen[2]}, weakcb ${w.seen[3]}` : ''}\n`,
      );
    }
    rows.push(
      `| ${framework} | ${variant} | ${values.rounds} × ${N} | ${formatInterval(meanInterval(per.scav), 2)} | ${formatInterval(meanInterval(per.mc), 3)} | ${formatInterval(meanInterval(per.bytes), 0)} |`,
    );
  }
}
console.log(
  '| framework | server | rounds × requests | scavenges per 1,000 requests | mark-compacts per 1,000 | bytes allocated per request |',
);
console.log('|---|---|---|---|---|---|');
for (const r of rows) console.log(r);
