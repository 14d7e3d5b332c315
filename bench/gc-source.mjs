// Cost per GC of each GC-pause source (issue #18), and their agreement on the same GCs.
// Parent: paired rounds, each variant in a fresh child (`node bench/gc-source.mjs [rounds]`).
// Child (`--child <variant> <sweeps>`): a fixed loop of short-lived allocation (nothing survives,
// so each scavenge is cheap and the source's cost per GC is a visible share), then the source's
// delivery (observer: two setImmediate turns; profiler: stop() and its JSON.parse); prints the
// process CPU time of loop + delivery and the GCs the source saw.
import { execFileSync } from 'node:child_process';
import { constants, PerformanceObserver } from 'node:perf_hooks';
import v8 from 'node:v8';

const VARIANTS = ['none', 'observer', 'profiler'];
// More ways to observe, for the child only (`--child <variant>`, e.g. under callgrind: RESULTS `gc-observer`):
// observer-type observe({ type: 'gc' }); observer-buffered the same with buffered: true; observer-empty a callback
// that reads nothing (what any 'gc' observer costs before its callback looks at an entry).
const OBSERVE = {
  observer: { entryTypes: ['gc'] },
  'observer-type': { type: 'gc' },
  'observer-buffered': { type: 'gc', buffered: true },
  'observer-empty': { entryTypes: ['gc'] },
};

function churn(sweeps) {
  // a small ring keeps the objects escaping (no scalar replacement) while almost all die young
  const ring = new Array(256).fill(null);
  for (let s = 0; s < sweeps; s++) {
    for (let i = 0; i < 20000; i++) ring[i & 255] = { a: i, b: s, c: [i, i] };
  }
  return ring.length;
}

async function child(variant, sweeps) {
  churn(200); // warm the loop up (optimised) before measuring
  await new Promise((r) => setImmediate(r));
  let seen = 0;
  let obs;
  let prof;
  if (variant === 'observer-empty') {
    obs = new PerformanceObserver(() => {});
    obs.observe(OBSERVE[variant]);
  } else if (OBSERVE[variant] !== undefined) {
    obs = new PerformanceObserver((list) => {
      for (const e of list.getEntries()) if (e.detail.kind === constants.NODE_PERFORMANCE_GC_MINOR) seen++;
    });
    obs.observe(OBSERVE[variant]);
  } else if (variant === 'profiler') {
    prof = new v8.GCProfiler();
    prof.start();
  }
  const t0 = process.cpuUsage();
  churn(sweeps);
  // Node queues the GC entries from native code (one immediate per GC) and delivers them to
  // observers in a later immediate: two turns run every pending callback
  await new Promise((r) => setImmediate(r));
  await new Promise((r) => setImmediate(r));
  const s0 = process.cpuUsage();
  if (prof) for (const s of prof.stop().statistics) if (s.gcType === 'Scavenge') seen++;
  const st = process.cpuUsage(s0);
  const t = process.cpuUsage(t0);
  obs?.disconnect();
  process.stdout.write(
    `${JSON.stringify({ variant, us: t.user + t.system, stop_us: st.user + st.system, gcs: seen })}\n`,
  );
}

function run(variant, sweeps) {
  const out = execFileSync(
    process.execPath,
    ['--max-semi-space-size=1', new URL(import.meta.url).pathname, '--child', variant, String(sweeps)],
    { encoding: 'utf8' },
  );
  return JSON.parse(out);
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[s.length >> 1] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

if (process.argv[2] === '--child') {
  await child(process.argv[3], Number(process.argv[4]));
} else {
  const rounds = Number(process.argv[2] ?? 9);
  const sweeps = Number(process.argv[3] ?? 3000);
  const diffs = { observer: [], profiler: [] };
  let gcs = 0;
  for (let r = 0; r < rounds; r++) {
    const order = r % 2 ? [...VARIANTS].reverse() : VARIANTS;
    const res = Object.fromEntries(order.map((v) => [v, run(v, sweeps)]));
    gcs = Math.max(res.observer.gcs, res.profiler.gcs);
    for (const v of ['observer', 'profiler']) diffs[v].push((res[v].us - res.none.us) / res[v].gcs);
    console.log(
      `round ${r}: none ${res.none.us} us, observer ${res.observer.us} us (${res.observer.gcs} scavenges), profiler ${res.profiler.us} us (${res.profiler.gcs} scavenges; stop() and parse ${res.profiler.stop_us} us)`,
    );
  }
  for (const v of ['observer', 'profiler'])
    console.log(
      `${v}: median extra CPU per scavenge ${median(diffs[v]).toFixed(2)} us over ${rounds} paired rounds (~${gcs} scavenges each)`,
    );
}
