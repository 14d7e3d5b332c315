// False anomaly alerts on normal traffic: 18 seeded weeks (6 traffic levels from 3 to 3,000 requests a
// minute at the daily peak, 3 seeds each) of the review probe's Poisson traffic (test/helpers/poisson-traffic.ts:
// a daily cycle peaking at 15:00 and at a tenth of it at 03:00, lognormal latency, 0.2 % failing), each
// learned for a week and then run for a second normal week through the analytics and the default anomaly
// rule (warning 0.995 for 3 minutes, clear 0.9) on an injected clock. Every alert raised in the second week
// is a false one. `--cycle` also runs the same 18 weeks with a daily latency cycle that follows the traffic
// (by default latency x1.5 at the peak against the night), a normal pattern the latency tail model must not read as a step.
//
//   npx tsx bench/anomaly-normal-weeks.ts [--cycle] [--amplitude 0.5] [--rates 3,10,...] [--no-write]
//
// `--amplitude A`: the cycle's latency is x(1 + A) at the peak; `--rates` runs only those peak rates.

import { parseArgs } from 'node:util';
import { AlertSystem } from '../src/alerts/engine.js';
import type { MetricsSnapshot } from '../src/types.js';
import { anomalyAnalytics } from '../test/helpers/anomaly-minutes.js';
import { DAY1, type Incident, MIN, Traffic } from '../test/helpers/poisson-traffic.js';
import { writeSection } from './lib/results.js';

const { values } = parseArgs({
  options: {
    cycle: { type: 'boolean', default: false },
    'no-write': { type: 'boolean', default: false },
    label: { type: 'string', default: '' },
    amplitude: { type: 'string', default: '0.5' },
    rates: { type: 'string', default: '3,10,30,100,300,3000' },
  },
});

const RATES = (values.rates as string).split(',').map(Number);
const AMPLITUDE = Number(values.amplitude);
const SEEDS = [1, 2, 3];
const WEEK = 7 * 1440;

/** The alerts raised in the second of two normal weeks at `base` with `seed`, by series. */
function falseAlerts(base: number, seed: number, cycle: boolean): string[] {
  const a = anomalyAnalytics();
  const traffic = new Traffic(base, seed);
  let t = DAY1;
  const raised: string[] = [];
  const alerts = new AlertSystem({
    clock: { now: () => t },
    rules: { anomaly: { enabled: true } },
    onAlert: (e) => {
      if (e.alert.rule === 'anomaly' && e.type === 'raised') raised.push(e.alert.component);
    },
    logger: { warn: () => {}, error: () => {} },
  });
  alerts.addObservationSource((s) => a.observations(s) as never);
  const normal = (at: number): Incident =>
    cycle ? { latency: 1 + AMPLITUDE * ((traffic.rate(at) / base - 0.1) / 0.9) } : {};
  for (let m = 0; m < 2 * WEEK; m++) {
    a.scorePoint(traffic.point(t, normal(t)));
    t += MIN;
    if (m >= WEEK) alerts.checkThresholds({} as MetricsSnapshot);
  }
  return raised;
}

const rows: string[] = [];
let total = 0;
const bySeries = new Map<string, number>();
for (const cycle of values.cycle ? [false, true] : [false]) {
  for (const base of RATES) {
    const counts: number[] = [];
    for (const seed of SEEDS) {
      const raised = falseAlerts(base, seed, cycle);
      counts.push(raised.length);
      total += raised.length;
      for (const s of raised) bySeries.set(s, (bySeries.get(s) ?? 0) + 1);
      console.log(
        `${cycle ? 'cycle ' : ''}peak ${base}/min seed ${seed}: ${raised.length} ${raised.join(' ')}`,
      );
    }
    rows.push(
      `| ${base} | ${cycle ? `x${1 + AMPLITUDE} with the traffic` : 'flat'} | ${counts.join(', ')} |`,
    );
  }
}
const series = [...bySeries].map(([s, n]) => `${s} ${n}`).join(', ') || 'none';
console.log(`total ${total} (${series})`);

if (!values['no-write']) {
  writeSection(
    `anomaly-normal-weeks${values.label ? `-${values.label}` : ''}`,
    `Method: \`npx tsx bench/anomaly-normal-weeks.ts${values.cycle ? ' --cycle' : ''}\`: seeded weeks of the review probe's traffic (test/helpers/poisson-traffic.ts), each learned for a week, then a second normal week through the analytics and the default anomaly rule; every alert raised in it is false.${values.label ? ` Variant: ${values.label}.` : ''}

| requests a minute at the peak | latency | false alerts, seeds 1, 2, 3 |
|---|---|---|
${rows.join('\n')}

Total: ${total} (${series}).`,
  );
}
