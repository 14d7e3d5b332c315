// Where a server's bytes per request are allocated (issue 18, RESULTS `gc-observer`): V8's sampling heap profiler
// (objects that died young included) over N requests to one bench/instructions-server.mjs server, after W warm-up
// requests; prints the sampled bytes per request by allocating function and its caller. Two variants side by side
// (`--base hook`: bare with one empty hook, what any middleware costs) show what one adds over the other.
//   npx tsx bench/alloc-sites.ts --framework fastify --variant sysvitals [--base bare] [--requests 20000] [--top 30]
//     [--dist DIR] [--base-dist DIR]
// --dist / --base-dist: the build each side loads (default dist/): `--base sysvitals --base-dist <earlier build>`
// gives a change's bytes per request, before against after (an earlier build: a copy of its dist/ inside the repo).

import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const { values } = parseArgs({
  options: {
    framework: { type: 'string', default: 'fastify' },
    variant: { type: 'string', default: 'sysvitals' },
    base: { type: 'string', default: 'bare' },
    warmup: { type: 'string', default: '10000' },
    requests: { type: 'string', default: '20000' },
    top: { type: 'string', default: '30' },
    dist: { type: 'string' },
    'base-dist': { type: 'string' },
  },
});
const SERVER = fileURLToPath(new URL('./instructions-server.mjs', import.meta.url));
const URLS = ['/users/1', '/users/22', '/users/333', '/users/4444', '/users/55555'];
const N = Number(values.requests);

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children: ProfileNode[];
}

const frame = (n: ProfileNode): string =>
  `${n.callFrame.functionName || '(anonymous)'} ${n.callFrame.url.replace(/^.*\//, '')}:${n.callFrame.lineNumber + 1}`;

/** Sampled bytes per request by "function <- caller". */
async function sites(
  variant: string,
  dist: string | undefined,
): Promise<{ total: number; by: Map<string, number> }> {
  const args = [SERVER, values.framework as string, variant, ...(dist === undefined ? [] : [resolve(dist)])];
  const child = spawn(process.execPath, args, {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const lines: string[] = [];
  let buffered = '';
  child.stdout.setEncoding('utf8');
  child.stdout.on('data', (d: string) => {
    buffered += d;
    for (let i = buffered.indexOf('\n'); i >= 0; i = buffered.indexOf('\n')) {
      lines.push(buffered.slice(0, i));
      buffered = buffered.slice(i + 1);
    }
  });
  const line = async (prefix: string): Promise<string> => {
    for (;;) {
      const i = lines.findIndex((l) => l.startsWith(prefix));
      if (i >= 0) return lines.splice(i, 1)[0] as string;
      await new Promise((r) => setTimeout(r, 5));
    }
  };
  const port = Number((await line('READY ')).slice(6));
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  const drive = async (n: number): Promise<void> => {
    for (let i = 0; i < n; i++) {
      await new Promise<void>((resolve, reject) => {
        const r = request({ host: '127.0.0.1', port, path: URLS[i % URLS.length], agent }, (res) => {
          res.resume();
          res.on('end', resolve);
        });
        r.on('error', reject);
        r.end();
      });
    }
  };
  await drive(Number(values.warmup));
  child.stdin.write('hstart\n');
  await line('HSTARTED');
  await drive(N);
  const file = join(tmpdir(), `sysvitals-alloc-${process.pid}-${variant}-${Date.now()}.json`);
  child.stdin.write(`hstop ${file}\n`);
  await line('HSTOPPED');
  agent.destroy();
  child.stdin.end();
  const profile = JSON.parse(readFileSync(file, 'utf8')) as {
    head: ProfileNode;
    samples: { size: number; nodeId: number }[];
  };
  const byId = new Map<number, ProfileNode>();
  const parent = new Map<number, ProfileNode>();
  const walk = (n: ProfileNode): void => {
    byId.set(n.id, n);
    for (const c of n.children) {
      parent.set(c.id, n);
      walk(c);
    }
  };
  walk(profile.head);
  const by = new Map<string, number>();
  let total = 0;
  for (const s of profile.samples) {
    const n = byId.get(s.nodeId) as ProfileNode;
    const p = parent.get(n.id);
    const key = p === undefined ? frame(n) : `${frame(n)} <- ${frame(p)}`;
    by.set(key, (by.get(key) ?? 0) + s.size / N);
    total += s.size / N;
  }
  return { total, by };
}

const base = await sites(values.base as string, values['base-dist']);
const other = await sites(values.variant as string, values.dist);
console.log(
  `${values.framework}: ${values.base} ${base.total.toFixed(0)} B/req, ${values.variant} ${other.total.toFixed(0)} B/req (sampled)`,
);
console.log(`| change B/req | ${values.base} | ${values.variant} | function <- caller |`);
console.log('|---:|---:|---:|---|');
const keys = [...new Set([...base.by.keys(), ...other.by.keys()])];
const change = (k: string): number => (other.by.get(k) ?? 0) - (base.by.get(k) ?? 0);
keys.sort((a, b) => Math.abs(change(b)) - Math.abs(change(a)));
for (const k of keys.slice(0, Number(values.top))) {
  console.log(
    `| ${change(k).toFixed(1)} | ${(base.by.get(k) ?? 0).toFixed(1)} | ${(other.by.get(k) ?? 0).toFixed(1)} | ${k} |`,
  );
}
