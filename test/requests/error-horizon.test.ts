// Outside review 9, F4: a service too quiet for its request window to judge (4 requests a minute, every one failed)
// stayed `unknown` for ever: no status, no alert, no health points lost. When the window cannot judge, the error rate
// is now judged on the error horizon (`alerts.error_rate.horizonMs`, the last 15 min by default) on the same rule.
// The oracle is the documented rule computed here from the raw times and statuses sent, on an injected clock: the
// window holds the requests of the last 4 latency sub-windows of 15 s (45–60 s), the horizon those of the last
// horizonMs / 15 s of them, the window's included; below minRequests (20) the 95 % Wilson lower bound (closed formula,
// z = 1.96) with at least 5 failed requests, against 5 % / 10 %, never healthy. Metrics, health and the error_rate
// alert are the real ones (monitor.sample() is what evaluates the alert).

import { afterEach, describe, expect, it } from 'vitest';
import type { AlertEvent } from '../../src/alerts/alert.js';
import { componentStatuses } from '../../src/alerts/health.js';
import { Cuts, frameParts } from '../../src/cluster/cuts.js';
import { applyReport, decodeReport, Reporter } from '../../src/cluster/report.js';
import { FunctionTimings } from '../../src/functions/function-stats.js';
import { silentLogger } from '../../src/logger.js';
import { createMonitor, type SystemMonitor } from '../../src/monitor.js';
import { RequestStats } from '../../src/requests/requests.js';
import { UNMATCHED_ROUTE } from '../../src/requests/route-counters.js';
import { makeSnapshot } from '../alerts/snapshot.js';
import { NO_HOST_FILES } from '../helpers/hostless.js';

/** A minute boundary (also a 15 s one): 1_700_000_040_000. */
const T0 = 28_333_334 * 60_000;
const LAT = 15_000;
const STEP = 5_000;
const HOST_OFF = {
  cpu: { enabled: false },
  memory: { enabled: false },
  disk: { enabled: false },
  event_loop_delay: { enabled: false },
};

/** The lower end of the 95 % Wilson score interval of failed ÷ n, percent, two decimals (closed formula). */
function wilson(failed: number, n: number): number {
  const z = 1.96;
  const p = failed / n;
  const lower =
    (p + (z * z) / (2 * n) - z * Math.sqrt((p * (1 - p)) / n + (z * z) / (4 * n * n))) / (1 + (z * z) / n);
  return Math.round(lower * 10_000) / 100 + 0;
}

/** One request sent: when, the route and status it was answered with. */
interface Sent {
  at: number;
  route: string;
  status: number;
}
const failed = (r: Sent) => r.status >= 500;
const judged = (r: Sent) => !(r.route === UNMATCHED_ROUTE && r.status < 500);

interface Expected {
  status: 'healthy' | 'warning' | 'critical' | 'unknown';
  /** Judged on the horizon: its figures. */
  horizon?: {
    count_judged: number;
    count_failed: number;
    error_rate_percent: number;
    error_rate_lower_percent: number;
    status: string;
  };
  /** The value the error_rate rule reads when judged. */
  value?: number;
}

/** The documented rule at `now` over the requests `sent`, from their raw times and statuses. */
function oracle(sent: readonly Sent[], now: number, horizonMs = 900_000): Expected {
  const lat = Math.floor(now / LAT);
  const spans = horizonMs > 0 ? Math.ceil(horizonMs / LAT) : 0;
  const judge = (v: number) => (v >= 10 ? 'critical' : v >= 5 ? 'warning' : 'healthy');
  const window = sent.filter((r) => r.at <= now && Math.floor(r.at / LAT) > lat - 4 && judged(r));
  const n = window.length;
  const f = window.filter(failed).length;
  if (n >= 20) {
    const rate = Math.round((f / n) * 10_000) / 100;
    return { status: judge(rate), value: rate };
  }
  if (n > 0 && f >= 5 && judge(wilson(f, n)) !== 'healthy')
    return { status: judge(wilson(f, n)) as Expected['status'], value: wilson(f, n) };
  const horizon = sent.filter((r) => r.at <= now && Math.floor(r.at / LAT) > lat - spans && judged(r));
  const N = horizon.length;
  const F = horizon.filter(failed).length;
  if (spans <= 4 || N === n) return { status: 'unknown' };
  const bound = wilson(F, N);
  const status = F >= 5 && judge(bound) !== 'healthy' ? (judge(bound) as Expected['status']) : 'unknown';
  return {
    status,
    horizon: {
      count_judged: N,
      count_failed: F,
      error_rate_percent: Math.round((F / N) * 10_000) / 100,
      error_rate_lower_percent: bound,
      status,
    },
    ...(status === 'unknown' ? {} : { value: bound }),
  };
}

const monitors: SystemMonitor[] = [];
afterEach(async () => {
  await Promise.all(monitors.splice(0).map((m) => m.close()));
});

function make(clock: { t: number }, errorRate: Record<string, unknown> = {}) {
  const events: Array<AlertEvent & { t: number }> = [];
  const monitor = createMonitor({
    sampleIntervalMs: 0,
    logger: silentLogger,
    clock: { now: () => clock.t },
    // No host group is read here (host rules off): no /proc read per sample, and no real 250 ms CPU window
    // waited on the frozen clock by each monitor's first sample (test/helpers/hostless.ts).
    ...NO_HOST_FILES,
    alerts: { ...HOST_OFF, error_rate: errorRate },
    onAlert: (e) => void events.push({ ...e, t: clock.t }),
  });
  monitors.push(monitor);
  return { monitor, events };
}

/** Requests every `everyMs` from `from` (ms after T0) up to, not including, `to`, each `n` times. */
function every(everyMs: number, from: number, to: number, route: string, status: number, n = 1): Sent[] {
  const out: Sent[] = [];
  for (let at = T0 + from; at < T0 + to; at += everyMs)
    for (let i = 0; i < n; i++) out.push({ at, route, status });
  return out;
}

/**
 * Steps the clock by 5 s from T0 to T0 + `minutes`, records what `sent` holds at each step, samples, and checks
 * metrics, health and the error_rate alert against the oracle at every step. Returns the statuses seen by time.
 */
async function replay(
  sent: Sent[],
  minutes: number,
  errorRate: Record<string, unknown> = {},
): Promise<{ seen: Map<number, string>; events: Array<AlertEvent & { t: number }> }> {
  const clock = { t: T0 };
  const { monitor, events } = make(clock, errorRate);
  const horizonMs = (errorRate.horizonMs as number | undefined) ?? 900_000;
  const seen = new Map<number, string>();
  for (let t = T0; t <= T0 + minutes * 60_000; t += STEP) {
    clock.t = t;
    for (const r of sent) {
      if (r.at === t)
        monitor.recordRequest({ method: 'GET', route: r.route, status: r.status, durationMs: 2 });
    }
    const m = await monitor.sample();
    const want = oracle(sent, t, horizonMs);
    const at = `${(t - T0) / 1000} s`;
    expect(m.errors.status, at).toBe(want.status);
    if (want.horizon) {
      expect(m.errors.horizon, at).toEqual({ ms: horizonMs, ...want.horizon });
      if (want.status !== 'unknown') {
        expect(m.errors.reason, at).toMatch(/^judged on the last \d+ min \(horizonMs\): /);
      } else expect(m.errors.reason, at).toMatch(/; nor over the last \d+ min \(horizonMs\): /);
    } else expect(m.errors.horizon, at).toBeUndefined();
    expect((await monitor.getHealth()).components.errors, at).toBe(want.status);
    const alert = monitor.alertSystem.getActiveAlerts().find((a) => a.rule === 'error_rate');
    if (want.status === 'critical')
      expect(alert, at).toMatchObject({ severity: 'critical', value: want.value });
    else if (want.status === 'unknown') expect(alert, at).toBeUndefined(); // not judged: the rule clears at once
    seen.set(t - T0, m.errors.status);
  }
  return { seen, events: events.filter((e) => e.alert.rule === 'error_rate') };
}

const firstAt = (seen: Map<number, string>, status: string) =>
  [...seen].find(([, s]) => s === status)?.[0] ?? null;

describe('a quiet service that fails every request is judged on the error horizon', () => {
  // 4 requests a minute, at :05, :20, :35 and :50, all 503, for 3 minutes (12 of 12 failed): the window never holds
  // more than 4, so it alone never judges (the review's case).
  const quietOutage = every(15_000, 5_000, 180_000, '/api', 503);

  it('4 a minute, all failed: critical at the 5th failure (1 min 5 s, 5 of 5: 56.55 %), one alert on the bound, cleared when the failures leave the 15 min', async () => {
    const { seen, events } = await replay(quietOutage, 18);
    // The oracle's first critical: the 5th failure, at 65 s; the window then holds 4 (20 s … 65 s), the horizon 5.
    expect(firstAt(seen, 'critical')).toBe(65_000);
    expect(oracle(quietOutage, T0 + 65_000).horizon).toMatchObject({ count_judged: 5, count_failed: 5 });
    // It holds after the traffic stops (12 of 12 in the horizon), and clears when the 8th failure (110 s, latency
    // sub-window 7) leaves the last 60 sub-windows of 15 s: at 67 × 15 s = 1,005 s, 4 failures left, not judged.
    expect(seen.get(1_000_000)).toBe('critical');
    expect(seen.get(1_005_000)).toBe('unknown');
    expect(events.map((e) => [e.type, e.alert.severity, e.alert.value, e.t - T0])).toEqual([
      ['raised', 'critical', wilson(5, 5), 65_000],
      ['cleared', 'critical', expect.any(Number), 1_005_000],
    ]);
    expect(wilson(5, 5)).toBe(56.55); // 5 / (5 + 1.96²)
  });

  it('regression: with the horizon off (horizonMs 0) the same service is never judged, as before the fix', async () => {
    const { seen, events } = await replay(quietOutage, 5, { horizonMs: 0 });
    expect(new Set(seen.values())).toEqual(new Set(['unknown']));
    expect(events).toEqual([]);
  });

  it('a 2-minute horizon (horizonMs 120000) judges as soon and clears 2 minutes after the 8th-last failure', async () => {
    const { seen, events } = await replay(quietOutage, 6, { horizonMs: 120_000 });
    expect(firstAt(seen, 'critical')).toBe(65_000);
    expect(events.map((e) => e.type)).toEqual(['raised', 'cleared']);
  });

  it('2,000 made-up URLs (unmatched 404s) beside it change nothing: not judged, in neither the window nor the horizon', async () => {
    const junk = every(5_000, 0, 240_000, UNMATCHED_ROUTE, 404, 25);
    const { seen } = await replay([...quietOutage, ...junk], 4);
    expect(firstAt(seen, 'critical')).toBe(65_000);
  });

  it('one failure in 15 minutes, among successes or alone, is never judged: no status, no alert', async () => {
    const lone = [{ at: T0 + 5_000, route: '/api', status: 500 }];
    const withSuccesses = [...lone, ...every(15_000, 20_000, 900_000, '/api', 200)];
    for (const sent of [lone, withSuccesses]) {
      const { seen, events } = await replay(sent, 16);
      expect(new Set(seen.values())).toEqual(new Set(['unknown']));
      expect(events).toEqual([]);
    }
  });

  it('four failures in 15 minutes never page either; the fifth does', async () => {
    const four = every(180_000, 5_000, 720_000, '/api', 500); // at 5 s, 3:05, 6:05, 9:05
    const { seen, events } = await replay(four, 13);
    expect(new Set(seen.values())).toEqual(new Set(['unknown']));
    expect(events).toEqual([]);
    const five = [...four, { at: T0 + 725_000, route: '/api', status: 500 }];
    expect((await replay(five, 13)).events.map((e) => [e.type, e.t - T0])).toEqual([['raised', 725_000]]);
  });

  it('successes clear it on the horizon before the failures leave it (12 a minute, the window below 20)', async () => {
    const successes = every(5_000, 180_000, 1_200_000, '/api', 200);
    const { seen, events } = await replay([...quietOutage, ...successes], 20);
    const cleared = events.find((e) => e.type === 'cleared');
    // The oracle's time: the first step the horizon's bound is under the warning level (5 %).
    const clearAt = [...seen].find(([t, s]) => t > 65_000 && s === 'unknown')?.[0];
    expect(cleared?.t).toBe(T0 + (clearAt as number));
    expect(clearAt).toBeLessThan(1_005_000); // before the failures leave the horizon: the successes did it
    expect(events.filter((e) => e.type === 'raised')).toHaveLength(1);
  });

  it('a busy service is judged on its window as before: no horizon, the rate against 5 % / 10 %', async () => {
    // 3 requests every 5 s (27–36 in the window), one of them failed every 20 s: around 8 %, warning or critical.
    const ok = every(5_000, 0, 300_000, '/api', 200, 2);
    const bad = every(5_000, 0, 300_000, '/api', 503).map((r, i) =>
      i % 4 === 0 ? r : { ...r, status: 200 },
    );
    const { seen } = await replay([...ok, ...bad], 5);
    // Once the window holds 20 (from 35 s), every step is decided by the rate; the oracle checked each one.
    const decided = [...seen].filter(([t]) => t >= 60_000).map(([, s]) => s);
    expect([...new Set(decided)].sort()).toEqual(['critical', 'warning']);
  });
});

describe('one ended outage, one page (outside review 12, F3)', () => {
  // A bursty low-traffic service: 8 failed requests over 2 minutes (4 a minute), then recovered: every third minute
  // a batch sends 28 successful requests (7 every 15 s), the other minutes 2. Before, the busy minute (28 judged,
  // 0 %) cleared the alert, the next quiet minute was judged on the horizon, still holding the 8 failures, and
  // raised a new one: raised 1.25 min, cleared 2.75, raised 3.25, cleared 5.75, raised 6.25, cleared 8.5.
  const outage = every(15_000, 5_000, 125_000, '/api', 503);
  const recovered: Sent[] = [];
  for (let min = 0; min < 20; min++) {
    const base = 120_000 + min * 60_000;
    if (min % 3 === 0) recovered.push(...every(15_000, base + 5_000, base + 60_000, '/api', 200, 7));
    else recovered.push(...every(60_000, base + 5_000, base + 6_000, '/api', 200, 2));
  }
  const sent = [...outage, ...recovered];
  const steps = (minutes: number) =>
    Array.from({ length: (minutes * 60_000) / STEP + 1 }, (_, k) => k * STEP);

  it('raised once, cleared once: when the horizon no longer shows the failures, never by a busy minute', async () => {
    const { events } = await replay(sent, 14);
    const raised = events.filter((e) => e.type === 'raised');
    const cleared = events.filter((e) => e.type === 'cleared');
    expect(raised).toHaveLength(1);
    expect(cleared).toHaveLength(1);
    expect(new Set(events.map((e) => e.alert.id)).size).toBe(1);
    // The oracle: raised at its first judged step, cleared at the first later step where neither the window nor the
    // horizon judges (the horizon's bound under 5 %), past busy minutes the window judged healthy (0 %).
    const judgedAt = (t: number) => oracle(sent, T0 + t).status;
    const first = steps(14).find((t) => judgedAt(t) === 'critical') as number;
    const clear = steps(14).find((t) => t > first && judgedAt(t) === 'unknown') as number;
    expect((raised[0] as { t: number }).t - T0).toBe(first);
    expect((cleared[0] as { t: number }).t - T0).toBe(clear);
    expect(
      steps(14).filter((t) => t > first && t < clear && judgedAt(t) === 'healthy').length,
    ).toBeGreaterThan(0);
  });

  it('busy minutes alone clear it once horizonMs has passed since its last breach on a bound (its failures left)', async () => {
    // From 3:05, after the failures left the window, 28 successes a minute: the window judges (0 %) from 3:35 on.
    const busy = every(15_000, 185_000, 1_260_000, '/api', 200, 7);
    const { events } = await replay([...outage, ...busy], 20);
    const judgedAt = (t: number) => oracle([...outage, ...busy], T0 + t);
    // The last step judged on a bound (the horizon's), then the window's 0 % at every step.
    const last = steps(20)
      .filter((t) => judgedAt(t).horizon?.status === 'critical')
      .pop() as number;
    expect(steps(20).filter((t) => t > last && judgedAt(t).status !== 'healthy')).toEqual([]);
    expect(events.map((e) => [e.type, e.t - T0])).toEqual([
      ['raised', 65_000],
      ['cleared', last + 900_000],
    ]);
  });
});

describe('reads change nothing', () => {
  it('the errors group read at every step or only once a minute is the same', async () => {
    const sent = every(15_000, 5_000, 300_000, '/api', 503);
    const clock = { t: T0 };
    const often = make(clock).monitor;
    const seldom = make(clock).monitor;
    for (let t = T0; t <= T0 + 10 * 60_000; t += STEP) {
      clock.t = t;
      for (const r of sent) {
        if (r.at !== t) continue;
        for (const m of [often, seldom])
          m.recordRequest({ method: 'GET', route: r.route, status: 503, durationMs: 2 });
      }
      const a = await often.getMetrics({ maxAgeMs: 0 });
      if ((t - T0) % 60_000 !== 0) continue;
      expect((await seldom.getMetrics({ maxAgeMs: 0 })).errors).toEqual(a.errors);
    }
    // Reads evaluate no rule: neither monitor sampled, so neither has an alert, though both read critical.
    expect((await often.getMetrics({ maxAgeMs: 0 })).errors.status).toBe('critical');
    for (const m of [often, seldom]) expect(m.alertSystem.getActiveAlerts()).toEqual([]);
  });
});

describe('the horizonMs option', () => {
  it.each([-1, 1.5, 1_500, 86_400_001, Number.NaN, '15m'])(
    'refuses %s with ERR_SYSVITALS_INVALID_RULE',
    (v) => {
      expect(() => make({ t: T0 }, { horizonMs: v })).toThrow(
        expect.objectContaining({ code: 'ERR_SYSVITALS_INVALID_RULE' }),
      );
    },
  );

  it('refuses a horizon no longer than the request window (ERR_SYSVITALS_CONFLICTING_OPTIONS); the default is off then', () => {
    const conflict = expect.objectContaining({ code: 'ERR_SYSVITALS_CONFLICTING_OPTIONS' });
    expect(() => make({ t: T0 }, { horizonMs: 60_000 })).toThrow(conflict);
    expect(() =>
      createMonitor({
        sampleIntervalMs: 0,
        logger: silentLogger,
        requestWindowMs: 300_000,
        alerts: { error_rate: { horizonMs: 240_000 } },
      }),
    ).toThrow(conflict);
    const long = createMonitor({ sampleIntervalMs: 0, logger: silentLogger, requestWindowMs: 3_600_000 });
    monitors.push(long);
    expect(() => make({ t: T0 }, { horizonMs: 0 })).not.toThrow();
  });
});

describe('the cluster aggregator judges the merged requests on the horizon (unit: reports applied as the aggregator does)', () => {
  const node = (clock: { now: () => number }) => {
    const requests = new RequestStats({ clock });
    requests.trackRouteLatency();
    return { requests, functions: new FunctionTimings({ clock }) };
  };
  const roundTrip = (w: ReturnType<Reporter['take']>) => decodeReport(JSON.parse(JSON.stringify(w)));

  it('two workers, 2 failures a minute each: the merged 4 a minute are critical at the 5th, as one process', () => {
    const clock = { t: T0, now: () => clock.t };
    const [a, b, cluster] = [node(clock), node(clock), node(clock)];
    const [ra, rb] = [new Reporter(a), new Reporter(b)];
    const sent = every(15_000, 5_000, 180_000, '/api', 503);
    for (let t = T0; t <= T0 + 18 * 60_000; t += STEP) {
      clock.t = t;
      sent.forEach((r, i) => {
        if (r.at === t) (i % 2 === 0 ? a : b).requests.record('GET', '/api', 503, 2);
      });
      applyReport(cluster, roundTrip(ra.take()), true);
      applyReport(cluster, roundTrip(rb.take()), true);
      const groups = cluster.requests.groups();
      const want = oracle(sent, t);
      const at = `${(t - T0) / 1000} s`;
      expect(groups.errors.status, at).toBe(want.status);
      if (want.horizon) expect(groups.errors.horizon, at).toEqual({ ms: 900_000, ...want.horizon });
      // Health reads the status judged on the horizon (not the guard on per_minute, 4 or fewer).
      const snapshot = makeSnapshot({ requests: groups.requests, errors: groups.errors });
      expect(componentStatuses(snapshot).errors, at).toBe(want.status);
      if (t === T0 + 65_000) expect(want.status).toBe('critical');
    }
  });

  it('an aggregator stalled 100 s (SIGSTOP, a blocked event loop): the frames it then reads late go into the horizon at the time their figures were recorded', () => {
    // Two workers cut their figures where their windows turn (cuts.ts) and send a frame every second; the
    // aggregator reads none from 60 s to 160 s, then every frame queued meanwhile, in order. Those of 60–105 s are
    // of latency sub-windows that left its window (105–165 s at 160 s): before, they went to totals only, and the
    // horizon missed the 3 failures of 65, 80 and 95 s and the 404s of 60–100 s stayed unjudged (8 of 12 failed at
    // 160 s instead of 11 of 15).
    const clock = { t: T0, now: () => clock.t };
    const cluster = node(clock);
    const failOnce = {
      failed: (_k: string, err: unknown) => {
        throw err;
      },
    };
    const workers = [node(clock), node(clock)].map((own) => {
      const cuts = new Cuts(new Reporter(own), clock.now, failOnce, own);
      cuts.reset(true); // the aggregator merges cut parts (it says so in its welcome)
      return { own, cuts };
    });
    // 4 failures a minute on /api (never 5 in the window), a success on /api every 10 s from 2 min, and unmatched
    // 404s (not judged) every 5 s: from 5 s to 160 s.
    const sent = [
      ...every(15_000, 5_000, 160_000, '/api', 503),
      ...every(10_000, 120_000, 160_000, '/api', 200),
      ...every(5_000, 0, 160_000, UNMATCHED_ROUTE, 404),
    ];
    const stalled = (t: number) => t >= T0 + 60_000 && t < T0 + 160_000;
    const queued: string[] = []; // the frames in the aggregator's socket, as JSON
    const readQueued = () => {
      for (const frame of queued.splice(0)) {
        const msg = JSON.parse(frame) as { [key: string]: unknown };
        for (const part of frameParts(msg, clock.t))
          applyReport(cluster, decodeReport(part.report), true, part.span);
      }
    };
    let late = 0;
    for (let t = T0; t <= T0 + 20 * 60_000; t += 1_000) {
      clock.t = t;
      sent.forEach((r, i) => {
        if (r.at === t) workers[i % 2]?.own.requests.record('GET', r.route, r.status, 2);
      });
      for (const w of workers) {
        const { report, cut, at } = w.cuts.frame();
        queued.push(JSON.stringify({ report, ...(cut.length > 0 ? { cut } : {}), ...(at ? { at } : {}) }));
      }
      if (stalled(t)) continue;
      if (t === T0 + 160_000) late = queued.length;
      readQueued();
      if ((t - T0) % STEP !== 0) continue;
      const groups = cluster.requests.groups();
      const want = oracle(sent, t); // from what was sent, when
      const at = `${(t - T0) / 1000} s`;
      expect(groups.errors.status, at).toBe(want.status);
      expect(groups.errors.horizon, at).toEqual(want.horizon && { ms: 900_000, ...want.horizon });
      if (t === T0 + 160_000) {
        // The failures of 5 … 155 s: 11, all in the horizon; the window (105–160 s) holds 4 of them.
        expect(want).toMatchObject({ status: 'critical', horizon: { count_judged: 15, count_failed: 11 } });
        expect(groups.errors.count_judged).toBe(8);
      }
    }
    expect(late).toBe(2 * 101); // 100 s of frames from each worker, and those of 160 s itself
    // Totals since start hold everything sent, as before.
    expect(cluster.requests.total).toBe(sent.length);
  });
});
