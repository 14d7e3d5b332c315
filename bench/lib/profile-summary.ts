// Summarises V8 CPU profiles (`--cpu-prof`) by what sysvitals costs: the share of busy samples whose
// nearest non-Node frame is sysvitals' (its code and the Node internals it calls, not the app it calls
// next() into), grouped by that frame, and the busiest self-time functions.  `npx tsx bench/lib/profile-summary.ts <dir or files…>`

import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}

interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

/** A frame of sysvitals itself: the built package or its sources, never a dependency. */
const ours = (url: string) => /\/(dist|src)\//.test(url) && !url.includes('node_modules');
const label = (n: ProfileNode) => {
  const f = n.callFrame;
  const file = f.url.replace(/^.*\/(dist|src)\//, '$1/');
  return `${f.functionName || '(anonymous)'} ${file}:${f.lineNumber + 1}`;
};

export function summarise(file: string): string {
  const p = JSON.parse(readFileSync(file, 'utf8')) as Profile;
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of p.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  let busy = 0;
  let total = 0;
  let withUs = 0;
  const outer = new Map<string, number>();
  const self = new Map<string, number>();
  for (let i = 0; i < p.samples.length; i++) {
    const dt = p.timeDeltas[i] ?? 0;
    total += dt;
    const leaf = byId.get(p.samples[i] as number);
    if (!leaf) continue;
    const name = leaf.callFrame.functionName;
    if (name === '(idle)' || name === '(program)' || name === '(garbage collector)') {
      if (name !== '(idle)') busy += dt;
      continue;
    }
    busy += dt;
    self.set(label(leaf), (self.get(label(leaf)) ?? 0) + dt);
    // The sample is sysvitals' when the nearest frame that is not Node's own (node:…, natives) is a
    // sysvitals frame: its own code and what it calls in Node, not the app its middleware calls next().
    let owner: ProfileNode | undefined;
    for (let id: number | undefined = leaf.id; id !== undefined; id = parent.get(id)) {
      const n = byId.get(id) as ProfileNode;
      const url = n.callFrame.url;
      if (url === '' || url.startsWith('node:')) continue;
      owner = n;
      break;
    }
    if (owner && ours(owner.callFrame.url)) {
      withUs += dt;
      outer.set(label(owner), (outer.get(label(owner)) ?? 0) + dt);
    }
  }
  const pct = (v: number) => `${((v / busy) * 100).toFixed(2)} %`;
  const top = (m: Map<string, number>, n: number) =>
    [...m]
      .sort((a, b) => b[1] - a[1])
      .slice(0, n)
      .map(([k, v]) => `  ${pct(v).padStart(8)}  ${k}`);
  return [
    `${file}: ${(total / 1e6).toFixed(1)} s profiled, ${(busy / 1e6).toFixed(1)} s busy; sysvitals: ${pct(withUs)} of busy`,
    'by sysvitals frame (its own time and the Node internals it calls):',
    ...top(outer, 15),
    'busiest self time (any code):',
    ...top(self, 12),
  ].join('\n');
}

if (import.meta.url === `file://${process.argv[1]}`) {
  for (const arg of process.argv.slice(2)) {
    const files = statSync(arg).isDirectory()
      ? readdirSync(arg)
          .filter((f) => f.endsWith('.cpuprofile'))
          .map((f) => join(arg, f))
      : [arg];
    for (const f of files) console.log(`${summarise(f)}\n`);
  }
}
