// Native GC counts per request for bench/instructions-server.mjs's servers (issue 18): how often V8 runs a
// mark-compact and a scavenge when the server is not slowed ~250× by callgrind, to tell request-paced GC work from
// GC paced by wall time (start-up, timers) that the instructions bench charges to the requests of its slow phases.
// Each variant in turn: `node --single-threaded --min-semi-space-size=8 --trace-gc`, W warm-up requests, then N
// requests over one keep-alive socket, counting the `--trace-gc` lines printed during the N.
//   npx tsx bench/gc-native.ts [framework=koa] [W=3000] [N=20000] [variants=bare,sysvitals,bare,sysvitals]

import { spawn } from 'node:child_process';
import { Agent } from 'node:http';
import { fileURLToPath } from 'node:url';
import { drive } from './lib/drive.js';

const [framework = 'koa', warm = '3000', n = '20000', variants = 'bare,sysvitals,bare,sysvitals'] =
  process.argv.slice(2);
const SERVER = fileURLToPath(new URL('./instructions-server.mjs', import.meta.url));
const DIST = fileURLToPath(new URL('../dist', import.meta.url));

async function run(variant: string): Promise<void> {
  const args = [
    '--single-threaded',
    '--min-semi-space-size=8',
    '--trace-gc',
    SERVER,
    framework,
    variant,
    DIST,
  ];
  const child = spawn('node', args, { stdio: ['pipe', 'pipe', 'inherit'] });
  let out = '';
  const port = await new Promise<number>((resolve) =>
    child.stdout.on('data', (d) => {
      out += d;
      const m = /READY (\d+)/.exec(out);
      if (m) resolve(Number(m[1]));
    }),
  );
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  try {
    await drive(port, Number(warm), agent, 1);
    const from = out.length;
    const t0 = Date.now();
    await drive(port, Number(n), agent, 1);
    const seen = out.slice(from);
    const seconds = (Date.now() - t0) / 1000;
    const marks = (seen.match(/Mark-Compact/g) ?? []).length;
    const scavenges = (seen.match(/Scavenge/g) ?? []).length;
    console.log(
      `${framework} ${variant}: ${n} requests in ${seconds.toFixed(1)} s: ${marks} mark-compact, ${scavenges} scavenges`,
    );
  } finally {
    agent.destroy();
    child.stdin.end();
    child.kill('SIGTERM');
  }
}

for (const v of variants.split(',')) await run(v);
