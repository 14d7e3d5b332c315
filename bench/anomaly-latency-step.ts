// Detection of a latency step by traffic level: the review probe's seeded Poisson traffic
// (test/helpers/poisson-traffic.ts: a daily cycle peaking at 15:00, lognormal latency), a week and 9 hours
// learned, then every latency multiplied by `factor` from 10:00 to 11:00, through the analytics and the
// default anomaly rule on an injected clock. Prints, per peak rate and factor, the minutes after 10:00 the
// latency_p95 alert was raised and after 11:00 it was cleared (README's table); `--trace` also prints each
// minute's requests, p95 and score around the step (how the figures in README were found).
//
//   npx tsx bench/anomaly-latency-step.ts [--rates 1,3,10,30,100,300] [--factors 4,2] [--trace]

import { parseArgs } from 'node:util';
import { anomalyAnalytics } from '../test/helpers/anomaly-minutes.js';
import { learn, MIN, runAfter } from '../test/helpers/poisson-traffic.js';

const { values } = parseArgs({
  options: {
    rates: { type: 'string', default: '1,2,3,5,10,30,70,100,300' },
    factors: { type: 'string', default: '4,2' },
    trace: { type: 'boolean', default: false },
  },
});

/** The step starts at 10:00, minute 60 of the run (the learned minutes end at 09:00). */
const AT = 60;

for (const base of (values.rates as string).split(',').map(Number)) {
  const learned = learn(base, 7 * 1440 + 9 * 60);
  for (const factor of (values.factors as string).split(',').map(Number)) {
    const step = (m: number) => (m >= AT && m < AT + 60 ? { latency: factor } : {});
    if (values.trace) {
      const a = anomalyAnalytics();
      a.importState(learned.state);
      const traffic = learned.traffic.clone();
      for (let m = 0, t = learned.t; m < AT + 70; m++, t += MIN) {
        const p = traffic.point(t, step(m));
        const score = a.scorePoint(p).latency_p95;
        if (m >= AT - 5)
          console.log(`  ${m - AT} requests ${p.requests} p95 ${p.latency_p95_ms} score ${score}`);
      }
    }
    const events = runAfter(learned, AT + 120, step).filter((e) => e.series === 'latency_p95');
    const raised = events.find((e) => e.type === 'raised')?.minute;
    const cleared = events.find((e) => e.type === 'cleared')?.minute;
    console.log(
      `peak ${base}/min, latency x${factor}: ${
        raised === undefined
          ? 'not raised'
          : `raised ${raised - AT}, cleared ${cleared === undefined ? 'never' : cleared - (AT + 60)}`
      }`,
    );
  }
}
