// A collect() gauge read before its first sample (outside review 11, F10): a read runs no code of yours (README "Reads
// change nothing"), so before the first sample nothing was read, and the gauge showed 0 (an unlabelled one as a 0
// series, a labelled one's sum as 0): a queue depth of 0 on the dashboard and a `sysvitals_depth 0` scraped as a
// measurement. It reads `value: null` with no series now, and Prometheus has no sample line for it (its # HELP and
// # TYPE only, as a labelled gauge with no label set), as a family with nothing measured has none. A gauge you set
// keeps its 0 (prom-client's start, and what you set). A real monitor with sampling on (5 s) behind a real HTTP
// server, its sampling timer under fake timers (no sample unless the test advances them); the oracle is the callback's
// own count of calls and its answer once called.

import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { GaugeSnapshot } from '../../src/custom/types.js';
import { createMonitor, type SystemMonitor } from '../../src/monitor.js';
import { BASE, body, open, serveAdmin } from '../http/stream-helpers.js';
import { expectPromtoolAccepts } from './served-monitor.js';

let monitor: SystemMonitor;
let served: Awaited<ReturnType<typeof serveAdmin>>;
let base: string;
const calls = { depth: 0, queues: 0 };

beforeEach(async () => {
  vi.useFakeTimers({ toFake: ['setInterval'] });
  const clock = { t: Date.UTC(2026, 0, 1, 12, 0, 5), now: () => clock.t };
  monitor = createMonitor({ sampleIntervalMs: 5000, clock, logger: { warn() {}, error() {} } });
  calls.depth = 0;
  calls.queues = 0;
  monitor.gauge('depth', {
    help: 'Depth.',
    collect: () => {
      calls.depth++;
      return 7;
    },
  });
  monitor.gauge('queues', {
    help: 'Queues.',
    labels: ['queue'],
    collect: () => {
      calls.queues++;
      return [{ labels: { queue: 'a' }, value: 3 }];
    },
  });
  monitor.gauge('flaky', {
    help: 'Throws.',
    collect: () => {
      throw new Error('not ready');
    },
  });
  monitor.gauge('held', { help: 'Set by the app.' });
  served = await serveAdmin(monitor);
  base = `${served.url}${BASE}`;
});

afterEach(async () => {
  vi.useRealTimers();
  await served.close();
  await monitor.close();
});

const customOf = async () =>
  JSON.parse(await body(await open(`${base}/metrics`))).data.custom as Record<string, GaugeSnapshot>;
const samples = (text: string, name: string) =>
  text.split('\n').filter((l) => l.startsWith(`sysvitals_${name} `) || l.startsWith(`sysvitals_${name}{`));

describe('a collect() gauge read before the first sample', () => {
  it('reads null with no series in metrics/, and has no sample line in Prometheus (promtool accepts it)', async () => {
    const custom = await customOf();
    expect(calls).toEqual({ depth: 0, queues: 0 });
    expect(custom.depth).toMatchObject({ value: null, series: [] });
    expect(custom.queues).toMatchObject({ value: null, series: [] });
    expect(custom.flaky).toMatchObject({ value: null, series: [] });
    // A gauge the application sets reads what it set: 0 until then.
    expect(custom.held).toMatchObject({ value: 0, series: [{ labels: {}, value: 0 }] });
    const text = await body(await open(`${base}/metrics/prometheus`));
    expect(samples(text, 'depth')).toEqual([]);
    expect(samples(text, 'queues')).toEqual([]);
    expect(samples(text, 'flaky')).toEqual([]);
    expect(samples(text, 'held')).toEqual(['sysvitals_held 0']);
    expect(text).toContain('# TYPE sysvitals_depth gauge');
    expectPromtoolAccepts(text);
  });

  it('reads what its callback returned once the first sample ran it; one that still throws stays null', async () => {
    // The sampling timer's first tick (5 s on the fake timers).
    const sampled = new Promise((resolve) => monitor.on('metrics', resolve));
    vi.advanceTimersByTime(5000);
    await sampled;
    expect(calls).toEqual({ depth: 1, queues: 1 });
    const custom = await customOf();
    expect(custom.depth).toMatchObject({ value: 7, series: [{ labels: {}, value: 7 }] });
    expect(custom.queues).toMatchObject({ value: 3, series: [{ labels: { queue: 'a' }, value: 3 }] });
    expect(custom.flaky).toMatchObject({ value: null, series: [], error: 'not ready' });
    const text = await body(await open(`${base}/metrics/prometheus`));
    expect(samples(text, 'depth')).toEqual(['sysvitals_depth 7']);
    expect(samples(text, 'queues')).toEqual(['sysvitals_queues{queue="a"} 3']);
    expect(samples(text, 'flaky')).toEqual([]);
    expectPromtoolAccepts(text);
  });
});
