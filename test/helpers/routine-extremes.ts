// The harness of outside review rtD (anomaly3.cjs), shared by test/analytics/anomaly-routine-extremes.test.ts and
// bench/anomaly-routine-extremes.ts: the review's three stationary generators (a daily sine 100 ± 50 with noise
// sd 3, a ramp of +0.02 a minute with noise sd 2, Poisson counts of mean 4) fed once a minute to a monitor on an
// injected clock with only the anomaly rule on. Also outside review rtF's stuck levels (repro/anom.ts), shared by
// test/analytics/anomaly-stuck-level.test.ts and the same bench.

import type { AlertEvent } from '../../src/alerts/alert.js';
import { silentLogger } from '../../src/logger.js';
import { createMonitor, type SystemMonitor } from '../../src/monitor.js';
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

/**
 * A monitor on the injected clock `now`, no host files, with every rule off but the anomaly rule on `series`;
 * `onAlert` gets each alert event.
 */
export function anomalyOnlyMonitor(
  series: string[],
  now: () => number,
  onAlert: (e: AlertEvent) => void,
): SystemMonitor {
  return createMonitor({
    ...NO_HOST_FILES,
    clock: { now },
    sampleIntervalMs: 0,
    logger: silentLogger,
    alerts: {
      cpu: { enabled: false },
      memory: { enabled: false },
      disk: { enabled: false },
      disk_full_in: { enabled: false },
      memory_leak: { enabled: false },
      event_loop_delay: { enabled: false },
      anomaly: { enabled: true, series },
    },
    onAlert,
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
  const monitor = anomalyOnlyMonitor(
    ['cyc', 'ramp', 'pois'],
    () => now,
    (e) => {
      if (e.type === 'raised' || e.type === 'escalated')
        pages.push({
          type: e.type,
          minute,
          series: /Anomaly on (\w+)/.exec(e.alert.message)?.[1] ?? '?',
          severity: e.alert.severity,
        });
    },
  );
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

/** The first minute of outside review rtF's stuck level (a day of learning, and the scored minutes after it). */
export const STUCK_AT = 1500;

/**
 * Outside review rtF's generators (repro/anom.ts: its LCG and Box-Muller, seed `seed`): a sawtooth 0,0,0,0,500 plus
 * |noise| or an alternating 0/300 plus noise, the value at minute m, stuck at `stuck` from {@link STUCK_AT} to `end`.
 */
export function stuckGenerator(
  kind: 'saw' | 'alt',
  stuck: number,
  end: number,
  seed0 = 7,
): (m: number) => number {
  let seed = seed0;
  const rnd = () => {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    return seed / 2147483648;
  };
  const gauss = () => Math.sqrt(-2 * Math.log(rnd() + 1e-12)) * Math.cos(2 * Math.PI * rnd());
  return (m: number) => {
    const on = m >= STUCK_AT && m < end;
    if (kind === 'saw') return (on ? stuck : m % 5 === 4 ? 500 : 0) + Math.abs(gauss());
    return (on ? stuck : m % 2 ? 300 : 0) + gauss();
  };
}

/** What {@link runStuckLevel} saw. */
export interface StuckRun {
  /** The highest value read before {@link STUCK_AT}. */
  maxBefore: number;
  /** The values read from {@link STUCK_AT} on. */
  during: number[];
  /** Every anomaly alert event: its minute, type, severity and message. */
  events: { minute: number; type: string; severity: string; message: string }[];
  /** The alert's severity at the end of each minute (null: no alert). */
  active: (string | null)[];
}

/**
 * Feeds {@link stuckGenerator}'s series once a minute for `minutes` minutes to {@link anomalyOnlyMonitor}; returns
 * its readings and alert events. The monitor is closed on return.
 */
export async function runStuckLevel(
  kind: 'saw' | 'alt',
  stuck: number,
  end: number,
  minutes: number,
  seed = 7,
): Promise<StuckRun> {
  let now = T0;
  let minute = 0;
  const events: StuckRun['events'] = [];
  const monitor = anomalyOnlyMonitor(
    [kind],
    () => now,
    (e) => {
      events.push({ minute, type: e.type, severity: e.alert.severity, message: e.alert.message });
    },
  );
  const next = stuckGenerator(kind, stuck, end, seed);
  let maxBefore = Number.NEGATIVE_INFINITY;
  const during: number[] = [];
  const active: (string | null)[] = [];
  let severity: string | null = null;
  try {
    for (let m = 0; m < minutes; m++) {
      minute = m;
      const v = next(m);
      if (m < STUCK_AT) maxBefore = Math.max(maxBefore, v);
      else during.push(v);
      monitor.analytics.observe(kind, v);
      now += MIN;
      await monitor.sample();
      await monitor.flush();
      for (const e of events.filter((x) => x.minute === m))
        severity = e.type === 'cleared' ? null : e.severity;
      active.push(severity);
    }
  } finally {
    await monitor.close();
  }
  return { maxBefore, during, events, active };
}
