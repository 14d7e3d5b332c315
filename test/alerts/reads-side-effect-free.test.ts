// Regression (outside review 9b, F14 and its addenda): reads are side-effect free. A read (getMetrics(), GET
// metrics/, a Prometheus scrape, the dashboard's poll) used to end the interval of the figures measured since the
// last update (a counter's rate_per_second, the event-loop delay histogram) and to evaluate the alert rules, so the
// alerts depended on who was looking: a counter failing 6/s against a 5/s rule flapped every 5 s with a dashboard
// open (never fired with `for: 30s`); a read after a 700 ms stall raised event_loop_delay and the next sample,
// which no longer held the stall, cleared it. Only the sample ends intervals and evaluates the rules now.
// Oracles: the counter's 30 failures per 5 s (6/s in every sample interval) and the run without readers; the stall
// the test itself makes (a busy loop of 700 ms cannot be shorter than that).

import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { afterEach, describe, expect, it } from 'vitest';
import { createMonitor as createExpressMonitor } from '../../src/adapters/express.js';
import type { AlertEvent } from '../../src/alerts/alert.js';
import { createMonitor, type SystemMonitor } from '../../src/monitor.js';
import type { MetricsSnapshot } from '../../src/types.js';

const T0 = Date.UTC(2026, 11, 1);
const quiet = { info() {}, warn() {}, error() {}, debug() {} };
const BASE = '/api/core/admin/system';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

let cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanup.reverse()) await c();
  cleanup = [];
});

/** Serves `monitor`'s middleware on Express on an ephemeral port; the admin API's base URL. */
async function serve(monitor: ReturnType<typeof createExpressMonitor>): Promise<string> {
  const app = express();
  app.use(monitor.middleware());
  const server: Server = createServer(app);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  cleanup.push(async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}${BASE}`;
}

type Reader = 'none' | 'getMetrics' | 'http';

/** The `failures` counter's rate_per_second in a snapshot. */
const rateOf = (s: MetricsSnapshot) =>
  (s.custom?.failures as { rate_per_second: number | null } | undefined)?.rate_per_second;

/**
 * The reviewer's scenario: counter `failures` +30 in a burst at 2.5 s of every 5 s, rule `custom.failures` warning 5,
 * a sample every 5 s on the injected clock, and (unless `none`) a read every second at .75 s for `seconds`.
 */
async function counterRun(reader: Reader, forMs: number | undefined, seconds: number) {
  const clock = { t: T0, now: () => clock.t };
  const options = {
    sampleIntervalMs: 0,
    clock,
    logger: quiet,
    alerts: {
      cpu: { enabled: false },
      memory: { enabled: false },
      disk: { enabled: false },
      event_loop_delay: { enabled: false },
      rules: [{ name: 'fail_rate', metric: 'custom.failures', warning: 5, ...(forMs ? { for: forMs } : {}) }],
    },
  };
  const monitor: SystemMonitor = reader === 'http' ? createExpressMonitor(options) : createMonitor(options);
  cleanup.push(() => monitor.close());
  const base = reader === 'http' ? await serve(monitor as ReturnType<typeof createExpressMonitor>) : '';
  const failures = monitor.counter('failures', { help: 'failed calls' });
  const events: string[] = [];
  monitor.on('alert', (e: AlertEvent) => {
    if (e.alert.rule === 'fail_rate') events.push(`${e.type}@${(clock.t - T0) / 1000}`);
  });
  const sampledRates: (number | null | undefined)[] = [];
  const readRates: (number | null | undefined)[] = [];
  const scraped: string[] = [];
  for (let ms = 0; ms <= seconds * 1000; ms += 250) {
    clock.t = T0 + ms;
    if (ms % 5000 === 2500) failures.inc(30);
    if (reader !== 'none' && ms % 1000 === 750) {
      if (reader === 'getMetrics') {
        const s = await monitor.getMetrics({ maxAgeMs: 0 });
        readRates.push(rateOf(s));
      } else {
        // A dashboard's JSON poll and a Prometheus scrape, alternately.
        const path = ms % 2000 === 750 ? 'metrics/' : 'metrics/prometheus';
        const r = await fetch(`${base}/${path}`);
        expect(r.status).toBe(200);
        const text = await r.text();
        if (path === 'metrics/') {
          const data = JSON.parse(text).data;
          readRates.push(data.custom.failures.rate_per_second);
        } else scraped.push(text);
      }
    }
    if (ms % 5000 === 0 && ms > 0) {
      const s = await monitor.sample();
      sampledRates.push(rateOf(s));
    }
  }
  const history = (await monitor.getAlerts({ history: true, limit: 100 })) as unknown as Array<
    Record<string, unknown>
  >;
  const active = (await monitor.getAlerts()).filter((a) => a.rule === 'fail_rate');
  return {
    events,
    sampledRates,
    readRates,
    scraped,
    active: active.map((a) => `${a.severity}:${a.value}`),
    // The history as its receivers see it, the random id left out.
    history: history.map(({ id: _id, duration_seconds: _d, ...rest }) => rest),
  };
}

describe('F14: reads are side-effect free (outside review 9b)', () => {
  it('a counter failing 6/s against a 5/s rule: raised once at 5 s and kept, with a reader every second or none', async () => {
    const alone = await counterRun('none', undefined, 60);
    expect(alone.events).toEqual(['raised@5']);
    expect(alone.sampledRates).toEqual(Array(12).fill(6));
    const watched = await counterRun('getMetrics', undefined, 60);
    // Before the fix: raised@5.75 cleared@10 raised@13.75 … (24 events), and the samples read 0/s.
    expect(watched.events).toEqual(['raised@5']);
    expect(watched.sampledRates).toEqual(Array(12).fill(6));
    expect(watched.active).toEqual(['warning:6']);
    // The strongest oracle: the alert history does not depend on who reads.
    expect(watched.history).toEqual(alone.history);
    expect(watched.history).toHaveLength(1);
    // A read shows the rate of the last interval a sample ended (before the first one, the rate since creation).
    expect(watched.readRates.slice(5)).toEqual(Array(watched.readRates.length - 5).fill(6));
  });

  it('with `for: 30000`: raised once at 35 s, the same with a reader every second (before the fix: never)', async () => {
    const alone = await counterRun('none', 30_000, 60);
    expect(alone.events).toEqual(['raised@35']);
    const watched = await counterRun('getMetrics', 30_000, 60);
    expect(watched.events).toEqual(['raised@35']);
    expect(watched.history).toEqual(alone.history);
  });

  it('through Express: GET metrics/ and metrics/prometheus every second change neither the rates nor the alerts', async () => {
    const alone = await counterRun('none', undefined, 30);
    const watched = await counterRun('http', undefined, 30);
    expect(watched.events).toEqual(['raised@5']);
    expect(watched.sampledRates).toEqual(Array(6).fill(6));
    expect(watched.history).toEqual(alone.history);
    expect(watched.readRates.slice(3)).toEqual(Array(watched.readRates.length - 3).fill(6));
    // The scrape shows the alert the samples raised, and nothing else cleared it.
    expect(watched.scraped.at(-1)).toMatch(
      /^sysvitals_alerts\{alertname="fail_rate",[^}]*severity="warning"[^}]*\} 1$/m,
    );
  });
});

/** A 700 ms busy loop, then a turn of the loop so the delay monitor records the late tick. */
async function stall(): Promise<void> {
  const t = Date.now();
  while (Date.now() - t < 700);
  await sleep(60);
}

/**
 * The addendum's scenario on the real event loop: a sample, 1 s later a 700 ms stall, a read 0.1 s later (`read`), then
 * the sample 0.4 s after the stall. Only the built-in event_loop_delay rule is on.
 */
async function stallRun(read: (monitor: SystemMonitor, base: string) => Promise<void>) {
  const monitor = createExpressMonitor({
    sampleIntervalMs: 0,
    logger: quiet,
    alerts: { cpu: { enabled: false }, memory: { enabled: false }, disk: { enabled: false } },
  });
  cleanup.push(() => monitor.close());
  const base = await serve(monitor);
  const events: string[] = [];
  monitor.on('alert', (e: AlertEvent) => {
    if (e.alert.rule === 'event_loop_delay') events.push(`${e.type} ${e.alert.severity}`);
  });
  await monitor.sample();
  await sleep(1000); // past metricsMaxAgeMs: the scrape collects rather than serve the sample's snapshot
  await stall();
  await sleep(100);
  await read(monitor, base);
  await sleep(300); // ticks after the read: a histogram the read had reset would show only these
  const sample = await monitor.sample();
  const active = (await monitor.getAlerts()).filter((a) => a.rule === 'event_loop_delay');
  await monitor.flush();
  const points = (await monitor.getHistory({ period: '1h' })).points;
  return { events, sample, active, historyP99: Math.max(...points.map((p) => p.event_loop_p99_ms ?? 0)) };
}

describe('F14 addenda: the event-loop delay a read saw stays in the sample, the alert and history', () => {
  it.each([
    ['getMetrics()', (m: SystemMonitor) => m.getMetrics({ maxAgeMs: 0 }).then(() => {})],
    [
      'a Prometheus scrape of metrics/prometheus (Express)',
      async (_m: SystemMonitor, base: string) => {
        const r = await fetch(`${base}/metrics/prometheus`);
        const text = await r.text();
        // The scrape sees the stall under way (without ending the interval).
        const line = text.split('\n').find((l) => l.startsWith('sysvitals_eventloop_lag_p99_seconds'));
        expect(Number(line?.split(' ').at(-1))).toBeGreaterThanOrEqual(0.5);
      },
    ],
  ])(
    'a stall, %s, then a sample: the sample holds the stall, the alert is raised by the sample and kept',
    async (_name, read) => {
      const { events, sample, active, historyP99 } = await stallRun(read);
      // 700 ms of busy loop less the 50 ms resolution: at least 600 ms, so critical (500).
      expect(sample.process.event_loop_delay_max_ms).toBeGreaterThanOrEqual(600);
      expect(sample.process.event_loop_delay_p99_ms).toBeGreaterThanOrEqual(500);
      // Before the fix: ['raised critical', 'cleared critical'] (the read raised it, the sample cleared it).
      expect(events).toEqual(['raised critical']);
      expect(active.map((a) => a.severity)).toEqual(['critical']);
      expect(historyP99).toBeGreaterThanOrEqual(500);
    },
  );
});
