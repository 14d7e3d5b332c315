// The harness of outside review rtD (anomaly3.cjs), shared by test/analytics/anomaly-routine-extremes.test.ts and
// bench/anomaly-routine-extremes.ts: the review's three stationary generators (a daily sine 100 ± 50 with noise
// sd 3, a ramp of +0.02 a minute with noise sd 2, Poisson counts of mean 4) fed once a minute to a monitor on an
// injected clock with only the anomaly rule on.

import { silentLogger } from '../../src/logger.js';
import { createMonitor } from '../../src/monitor.js';
import { NO_HOST_FILES } from './hostless.js';

const T0 = Date.UTC(2026, 11, 1);
const MIN = 60_000;

/** The review's generator (its LCG, Box-Muller and Poisson draws, in its order). */
export function routineGenerators(seed0: number): (m: number) => { cyc: number; ramp: number; pois: number } {
  let seed = seed0;
  const rnd = () => {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    return seed / 2147483648;
  };
  const gauss = () => Math.sqrt(-2 * Math.log(rnd() + 1e-12)) * Math.cos(2 * Math.PI * rnd());
  const poisson = (l: number) => {
    const L = Math.exp(-l);
    let k = 0;
    let p = 1;
    do {
      k++;
      p *= rnd();
    } while (p > L);
    return k - 1;
  };
  return (m: number) => ({
    cyc: 100 + 50 * Math.sin((2 * Math.PI * m) / 1440) + 3 * gauss(),
    ramp: 100 + 0.02 * m + 2 * gauss(),
    pois: poisson(4),
  });
}

/** An anomaly alert raised or escalated during {@link runRoutineSeries}: the minute, the series, its severity. */
export interface RoutinePage {
  readonly type: 'raised' | 'escalated';
  readonly minute: number;
  readonly series: string;
  readonly severity: string;
}

/**
 * Runs the three series of seed `seed` for `minutes` one-minute samples, `change` rewriting each minute's values
 * before they are observed; returns every alert raised or escalated, in order. The monitor is closed on return.
 */
export async function runRoutineSeries(
  seed: number,
  minutes: number,
  change: (m: number, v: Record<string, number>) => void = () => {},
): Promise<RoutinePage[]> {
  let now = T0;
  let minute = 0;
  const pages: RoutinePage[] = [];
  const monitor = createMonitor({
    ...NO_HOST_FILES,
    clock: { now: () => now },
    sampleIntervalMs: 0,
    logger: silentLogger,
    alerts: {
      cpu: { enabled: false },
      memory: { enabled: false },
      disk: { enabled: false },
      disk_full_in: { enabled: false },
      memory_leak: { enabled: false },
      event_loop_delay: { enabled: false },
      anomaly: { enabled: true, series: ['cyc', 'ramp', 'pois'] },
    },
    onAlert: (e) => {
      if (e.type === 'raised' || e.type === 'escalated')
        pages.push({
          type: e.type,
          minute,
          series: /Anomaly on (\w+)/.exec(e.alert.message)?.[1] ?? '?',
          severity: e.alert.severity,
        });
    },
  });
  try {
    const next = routineGenerators(seed);
    for (let m = 0; m < minutes; m++) {
      minute = m;
      const v: Record<string, number> = next(m);
      change(m, v);
      for (const [k, x] of Object.entries(v)) monitor.analytics.observe(k, x);
      now += MIN;
      await monitor.sample();
      await monitor.flush();
    }
  } finally {
    await monitor.close();
  }
  return pages;
}
