// The size of a worker's cluster report per interval (what it sends the aggregator each second), for
// request, custom-metric and database-query loads of growing rate and spread: seeded, deterministic
// (bytes, not time), so one run is the figure. The issue's target is under 2048 bytes/s per worker.
//
//   npx tsx bench/cluster-report.ts

import { Reporter } from '../src/cluster/report.js';
import { CustomMetrics } from '../src/custom/registry.js';
import { FunctionTimings } from '../src/functions/function-stats.js';
import { QueryStats } from '../src/profiling/query-stats.js';
import { RequestStats } from '../src/requests/requests.js';
import { prng } from '../test/helpers/random.js';

interface Mix {
  name: string;
  routes: number;
  /** Durations: uniform 0–20 ms (narrow, bench/cluster.ts's app) or log-normal around 20 ms (spread). */
  spread: boolean;
  custom: boolean;
  fingerprints: number;
}

const MIXES: Mix[] = [
  { name: '1 route, 0–20 ms', routes: 1, spread: false, custom: false, fingerprints: 0 },
  { name: '1 route, log-normal', routes: 1, spread: true, custom: false, fingerprints: 0 },
  { name: '5 routes, log-normal', routes: 5, spread: true, custom: false, fingerprints: 0 },
  {
    name: '1 route + custom (counter ×5 label sets, histogram ×2, gauge)',
    routes: 1,
    spread: true,
    custom: true,
    fingerprints: 0,
  },
  { name: '1 route + 10 query fingerprints', routes: 1, spread: true, custom: false, fingerprints: 10 },
];
const RATES = [10, 100, 1000, 10_000];

/** Bytes of the largest report over 10 steady intervals (after 2 warm-up ones). */
function measure(mix: Mix, perInterval: number): number {
  const t = { now: 1_000_000 };
  const clock = { now: () => t.now };
  const requests = new RequestStats({ clock });
  requests.trackRouteLatency();
  const custom = new CustomMetrics();
  const orders = custom.counter('orders_total', { labels: ['kind'] });
  const seconds = custom.histogram('order_seconds', { labels: ['kind'] });
  const depth = custom.gauge('queue_depth');
  const queries = new QueryStats({ clock });
  const reporter = new Reporter({
    requests,
    functions: new FunctionTimings({ clock }),
    custom,
    clock,
    queries,
  });
  const { u, n } = prng(17);
  let max = 0;
  for (let k = 0; k < 12; k++) {
    for (let i = 0; i < perInterval; i++) {
      const ms = mix.spread ? Math.exp(3 + n() * 0.8) : u() * 20;
      requests.record('GET', `/r${Math.floor(u() * mix.routes)}`, 200, ms);
      if (mix.custom) {
        orders.inc({ kind: `k${Math.floor(u() * 5)}` });
        seconds.observe({ kind: u() < 0.5 ? 'a' : 'b' }, ms / 1000);
      }
      if (mix.fingerprints > 0)
        queries.record('postgresql', `SELECT ${Math.floor(u() * mix.fingerprints)}`, ms / 4, false, '/r0');
    }
    if (mix.custom) depth.set(k);
    t.now += 1000;
    const bytes = JSON.stringify({ t: 'report', report: reporter.take() }).length;
    if (k >= 2) max = Math.max(max, bytes);
  }
  return max;
}

const lines = [
  `| mix | ${RATES.map((r) => `${r}/s`).join(' | ')} |`,
  `|---|${RATES.map(() => '---').join('|')}|`,
];
for (const mix of MIXES) lines.push(`| ${mix.name} | ${RATES.map((r) => measure(mix, r)).join(' | ')} |`);
console.log('Bytes of one report (1 s interval), the largest of 10 steady intervals:\n');
console.log(lines.join('\n'));
