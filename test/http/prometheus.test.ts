// The Prometheus serializer: format, names and units, escaping, cumulative buckets, options.

import fc from 'fast-check';
import type * as hdr from 'hdr-histogram-js';
import { describe, expect, it } from 'vitest';
import { SysvitalsError } from '../../src/errors.js';
import { boundToMicros, cumulativeBuckets } from '../../src/http/prometheus/buckets.js';
import { collectPrometheusData } from '../../src/http/prometheus/data.js';
import { DEFAULT_PROMETHEUS_BUCKETS, parsePrometheusOptions } from '../../src/http/prometheus/options.js';
import { escapeLabelValue, formatValue, renderPrometheus } from '../../src/http/prometheus/render.js';
import { type Histogram, recordMs } from '../../src/latency/histogram.js';
import { addToView, clearView, createView, microsOf, slotOf } from '../../src/latency/latency-ring.js';
import { RequestStats } from '../../src/requests/requests.js';
import {
  alertFixture,
  healthFixture,
  histogramOf,
  largeData,
  snapshotFixture,
} from './prometheus-fixture.js';
import { type Family, parseExposition, sampleValue } from './prometheus-parse.js';

const GIB = 1024 ** 3;

function buckets(families: Map<string, Family>, name: string, labels: Record<string, string> = {}) {
  const fam = families.get(name);
  if (!fam) throw new Error(`no family ${name}`);
  return fam.samples
    .filter((s) => s.name === `${name}_bucket`)
    .filter((s) => Object.entries(labels).every(([k, v]) => s.labels[k] === v))
    .map((s) => ({ le: s.labels.le as string, value: s.value }));
}

describe('renderPrometheus: format', () => {
  it('gives every family HELP and TYPE, keeps families contiguous and ends with a newline', () => {
    const text = renderPrometheus(largeData(10, 5));
    const families = parseExposition(text); // throws on anything out of grammar
    expect(families.size).toBeGreaterThan(30);
    for (const f of families.values()) {
      expect(f.help, f.name).not.toBe('');
      expect(['gauge', 'counter', 'histogram']).toContain(f.type);
    }
  });

  it('follows the naming conventions: counters end in _total, units are base units', () => {
    const families = parseExposition(renderPrometheus(largeData(3, 2)));
    for (const f of families.values()) {
      expect(f.name.startsWith('sysvitals_'), f.name).toBe(true);
      if (f.type === 'counter') expect(f.name, f.name).toMatch(/_total$/);
      else expect(f.name, f.name).not.toMatch(/_total$/);
      expect(f.name, f.name).not.toMatch(/_(ms|milliseconds|mb|gb|percent|kb)(_|$)/);
    }
  });

  it('converts the snapshot to base units', () => {
    const f = parseExposition(renderPrometheus({ snapshot: snapshotFixture() }));
    expect(sampleValue(f, 'sysvitals_cpu_usage_ratio')).toBe(0.452);
    expect(sampleValue(f, 'sysvitals_cpu_frequency_hertz')).toBe(2_400_500_000);
    expect(sampleValue(f, 'sysvitals_load15')).toBe(1.25);
    expect(sampleValue(f, 'sysvitals_memory_total_bytes')).toBe(16 * GIB);
    expect(sampleValue(f, 'sysvitals_memory_usage_ratio')).toBe(0.531);
    expect(sampleValue(f, 'sysvitals_swap_total_bytes')).toBe(8 * GIB);
    expect(sampleValue(f, 'sysvitals_disk_size_bytes', { mountpoint: '/' })).toBe(100 * GIB);
    expect(sampleValue(f, 'sysvitals_disk_usage_ratio', { mountpoint: '/', fstype: 'ext4' })).toBe(0.75);
    expect(sampleValue(f, 'sysvitals_network_receive_bytes_total')).toBe(123_456_789);
    expect(sampleValue(f, 'sysvitals_network_receive_dropped_total')).toBe(2);
    expect(sampleValue(f, 'sysvitals_eventloop_lag_p50_seconds')).toBe(0.0102);
    expect(sampleValue(f, 'sysvitals_eventloop_lag_max_seconds')).toBe(0.03);
    expect(sampleValue(f, 'sysvitals_heap_size_used_bytes')).toBe(Math.round(50.5 * 1024 ** 2));
    expect(sampleValue(f, 'sysvitals_process_resident_memory_bytes')).toBe(Math.round(120.25 * 1024 ** 2));
    expect(sampleValue(f, 'sysvitals_process_uptime_seconds')).toBe(3600);
    expect(sampleValue(f, 'sysvitals_dependency_response_time_seconds', { dependency: 'database' })).toBe(
      0.0035,
    );
    expect(sampleValue(f, 'sysvitals_database_pool_connections', { state: 'idle' })).toBe(7);
    expect(sampleValue(f, 'sysvitals_websocket_connections')).toBe(3);
  });

  it('shows a dependency that does not answer as down, with no response time', () => {
    const f = parseExposition(renderPrometheus({ snapshot: snapshotFixture() }));
    expect(sampleValue(f, 'sysvitals_dependency_up', { dependency: 'redis' })).toBe(0);
    expect(sampleValue(f, 'sysvitals_dependency_up', { dependency: 'database' })).toBe(1);
    expect(
      sampleValue(f, 'sysvitals_dependency_response_time_seconds', { dependency: 'redis' }),
    ).toBeUndefined();
  });

  it('leaves out what is not configured rather than exporting zeros', () => {
    const snapshot = snapshotFixture({
      database: {
        status: 'unknown',
        response_time_ms: null,
        pool_size: null,
        pool_idle: null,
        pool_waiting: null,
        threshold: 1000,
      },
      redis: { status: 'unknown', response_time_ms: null, working: null, threshold: 100 },
    });
    const f = parseExposition(renderPrometheus({ snapshot }));
    expect(f.has('sysvitals_dependency_up')).toBe(false);
    expect(f.has('sysvitals_dependency_response_time_seconds')).toBe(false);
    expect(f.has('sysvitals_database_pool_connections')).toBe(false);
  });

  it('exports request counters by method, route template and status class', () => {
    const routes = [
      { method: 'GET', route: '/users/:id', status_class: '2xx', count: 41 },
      { method: 'GET', route: '/users/:id', status_class: '5xx', count: 2 },
      { method: 'POST', route: '/orders', status_class: '4xx', count: 7 },
    ];
    const f = parseExposition(renderPrometheus({ snapshot: snapshotFixture(), routes }));
    const fam = f.get('sysvitals_http_requests_total')!;
    expect(fam.type).toBe('counter');
    expect(fam.samples.map((s) => [s.labels, s.value])).toEqual(
      routes.map(({ count, ...labels }) => [labels, count]),
    );
  });

  it('exports alerts ALERTS-style, one series per label set, only active ones', () => {
    const alerts = [
      alertFixture({ id: '1', component: 'disk', severity: 'warning' }),
      alertFixture({ id: '2', component: 'disk', severity: 'warning' }), // same labels: one series
      alertFixture({ id: '3', rule: 'cpu', component: 'cpu', severity: 'critical' }),
      alertFixture({ id: '4', rule: 'memory', component: 'memory', state: 'cleared' }),
    ];
    const f = parseExposition(renderPrometheus({ snapshot: snapshotFixture(), alerts }));
    expect(f.get('sysvitals_alerts')!.samples).toEqual([
      {
        name: 'sysvitals_alerts',
        labels: { alertname: 'disk', component: 'disk', severity: 'warning', alertstate: 'firing' },
        value: 1,
      },
      {
        name: 'sysvitals_alerts',
        labels: { alertname: 'cpu', component: 'cpu', severity: 'critical', alertstate: 'firing' },
        value: 1,
      },
    ]);
  });

  it('exports the health score, colour and each component status as a state set', () => {
    const f = parseExposition(renderPrometheus({ snapshot: snapshotFixture(), health: healthFixture() }));
    expect(sampleValue(f, 'sysvitals_health_score')).toBe(85);
    expect(sampleValue(f, 'sysvitals_health_status', { status: 'yellow' })).toBe(1);
    expect(sampleValue(f, 'sysvitals_health_status', { status: 'green' })).toBe(0);
    expect(sampleValue(f, 'sysvitals_active_alerts')).toBe(2);
    const disk = f.get('sysvitals_component_status')!.samples.filter((s) => s.labels.component === 'disk');
    expect(Object.fromEntries(disk.map((s) => [s.labels.status, s.value]))).toEqual({
      healthy: 0,
      warning: 1,
      critical: 0,
      unknown: 0,
    });
  });

  it('derives component statuses from the snapshot when no health is given', () => {
    const f = parseExposition(renderPrometheus({ snapshot: snapshotFixture() }));
    expect(sampleValue(f, 'sysvitals_component_status', { component: 'redis', status: 'critical' })).toBe(1);
    expect(sampleValue(f, 'sysvitals_component_status', { component: 'process', status: 'healthy' })).toBe(1);
  });

  it('exports every @timed function: calls and errors as counters, duration as a histogram', () => {
    const histogram = histogramOf([1, 2, 3, 40, 600]);
    const functions = [{ name: 'Billing.charge', count: 5, errors: 1, histogram }];
    const f = parseExposition(renderPrometheus({ snapshot: snapshotFixture(), functions }));
    expect(sampleValue(f, 'sysvitals_function_calls_total', { function: 'Billing.charge' })).toBe(5);
    expect(sampleValue(f, 'sysvitals_function_errors_total', { function: 'Billing.charge' })).toBe(1);
    const b = buckets(f, 'sysvitals_function_duration_seconds', { function: 'Billing.charge' });
    expect(b.map((x) => x.value)).toEqual([3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 5]);
    expect(sampleValue(f, 'sysvitals_function_duration_seconds_count', { function: 'Billing.charge' })).toBe(
      5,
    );
    expect(sampleValue(f, 'sysvitals_function_duration_seconds_sum')).toBeCloseTo(0.646, 2);
  });
});

describe('label escaping', () => {
  it('escapes backslash, double quote and line feed, and nothing else', () => {
    expect(escapeLabelValue('plain /x/:id é')).toBe('plain /x/:id é');
    expect(escapeLabelValue('a\\b"c\nd')).toBe('a\\\\b\\"c\\nd');
  });

  it('round-trips any route, method and function name through the exposition', () => {
    fc.assert(
      fc.property(fc.string(), fc.string(), fc.string({ minLength: 1 }), (route, method, name) => {
        const text = renderPrometheus({
          snapshot: snapshotFixture(),
          routes: [{ method, route, status_class: '2xx', count: 1 }],
          functions: [{ name, count: 1, errors: 0 }],
        });
        const f = parseExposition(text);
        expect(f.get('sysvitals_http_requests_total')!.samples[0]!.labels).toEqual({
          method,
          route,
          status_class: '2xx',
        });
        expect(f.get('sysvitals_function_calls_total')!.samples[0]!.labels.function).toBe(name);
      }),
    );
  });

  it('formats special values the way Go parses them', () => {
    expect(formatValue(Number.POSITIVE_INFINITY)).toBe('+Inf');
    expect(formatValue(Number.NEGATIVE_INFINITY)).toBe('-Inf');
    expect(formatValue(Number.NaN)).toBe('NaN');
    expect(formatValue(0.25)).toBe('0.25');
  });
});

describe('latency histogram', () => {
  it('has cumulative buckets equal to the counts of recorded values under each bound', () => {
    // Values kept more than 1% away from every bound, where HDR's resolution is exact.
    const values = [0.3, 4, 7, 7, 9, 20, 30, 45, 200, 300, 700, 2000, 3000, 8000, 20_000];
    const f = parseExposition(
      renderPrometheus({ snapshot: snapshotFixture(), latency: histogramOf(values) }),
    );
    const b = buckets(f, 'sysvitals_http_request_duration_seconds');
    expect(b.map((x) => x.le)).toEqual([...DEFAULT_PROMETHEUS_BUCKETS.map(String), '+Inf']);
    const expected = [...DEFAULT_PROMETHEUS_BUCKETS, Number.POSITIVE_INFINITY].map(
      (bound) => values.filter((ms) => ms / 1000 <= bound).length,
    );
    expect(b.map((x) => x.value)).toEqual(expected);
    expect(sampleValue(f, 'sysvitals_http_request_duration_seconds_count')).toBe(values.length);
    const sum = values.reduce((a, x) => a + x, 0) / 1000;
    expect(sampleValue(f, 'sysvitals_http_request_duration_seconds_sum')).toBeCloseTo(sum, 1);
  });

  it('is monotonic and ends at the count for any recorded values, within HDR precision per bucket', () => {
    const bounds = DEFAULT_PROMETHEUS_BUCKETS.map((b) => b * 1e6);
    fc.assert(
      fc.property(fc.array(fc.double({ min: 0, max: 60_000, noNaN: true }), { maxLength: 300 }), (values) => {
        const out: number[] = [];
        const sum = cumulativeBuckets(histogramOf(values), bounds, out);
        expect(out.length).toBe(bounds.length + 1);
        for (let i = 1; i < out.length; i++) expect(out[i]!).toBeGreaterThanOrEqual(out[i - 1]!);
        expect(out[bounds.length]).toBe(values.length);
        bounds.forEach((us, i) => {
          const below = values.filter((ms) => Math.max(1, Math.round(ms * 1000)) <= us * 0.99).length;
          const upTo = values.filter((ms) => Math.max(1, Math.round(ms * 1000)) <= us * 1.01).length;
          expect(out[i]!).toBeGreaterThanOrEqual(below);
          expect(out[i]!).toBeLessThanOrEqual(upTo);
        });
        // recordMs stores whole microseconds, at least 1.
        const exact = values.reduce((a, ms) => a + Math.max(1, Math.round(ms * 1000)), 0) / 1e6;
        expect(Math.abs(sum - exact)).toBeLessThanOrEqual(exact * 0.01 + 1e-9);
      }),
    );
  });

  // A slot counts under a bound when it is at or below the bound's own slot, i.e. when the library's lowest value
  // of the slot is at or under the bound: every value <= the bound counts (Prometheus's `le`, outside review 18
  // F4: 500 ms was outside le="0.5" while its slot's end, 501.759 ms, was compared). Until then the slot's highest
  // value was compared (F15's p95 agreement), and before that fuzzing found [1998.8475 ms, 0] (seed 2068610679).
  it('places each HDR slot exactly where the histogram library says it starts', () => {
    const bounds = [3, 700, 5000, 123_456, 2_000_000];
    fc.assert(
      fc.property(
        fc.array(
          fc.oneof(
            fc.double({ min: 0, max: 5000, noNaN: true }),
            // On the bounds and in their slots either side (the slots that straddle them).
            fc.constantFrom(0.003, 0.0035, 0.7, 0.701, 0.7035, 5, 5.02, 123.456, 123.5, 2000, 2005),
          ),
          { minLength: 1 },
        ),
        (values) => {
          const h = histogramOf(values) as hdr.JsHistogram;
          const expected = new Array(bounds.length + 1).fill(0);
          let sumUs = 0;
          for (let i = 0; i < h.countsArrayLength; i++) {
            const count = h.getCountAtIndex(i);
            if (count === 0) continue;
            const lowest = h.valueFromIndex(i);
            const slot = bounds.findIndex((b) => lowest <= b);
            expected[slot === -1 ? bounds.length : slot] += count;
            sumUs += count * h.medianEquivalentValue(lowest);
          }
          for (let i = 1; i < expected.length; i++) expected[i] += expected[i - 1];
          const out: number[] = [];
          expect(cumulativeBuckets(h, bounds, out)).toBeCloseTo(sumUs / 1e6, 9);
          expect(out).toEqual(expected);
        },
      ),
    );
  });

  it('gives the same buckets from a counts view as from the equivalent HDR histogram, with the exact sum', () => {
    const bounds = [...DEFAULT_PROMETHEUS_BUCKETS, 0.0005, 3600].sort((a, b) => a - b).map(boundToMicros);
    fc.assert(
      fc.property(fc.array(fc.double({ min: 0, max: 20_000, noNaN: true }), { maxLength: 200 }), (values) => {
        const view = createView();
        for (const ms of values) {
          const us = microsOf(ms);
          addToView(view, slotOf(us), us);
        }
        const fromView: number[] = [];
        const fromHdr: number[] = [];
        const sum = cumulativeBuckets(view, bounds, fromView);
        cumulativeBuckets(histogramOf(values), bounds, fromHdr);
        expect(fromView).toEqual(fromHdr);
        expect(sum).toBeCloseTo(values.reduce((a, ms) => a + microsOf(ms), 0) / 1e6, 6);
      }),
    );
  });

  it('takes a bound without float error: 0.0005 s is 500 µs, and a value on it counts under it', () => {
    expect(boundToMicros(0.0005)).toBe(500);
    expect(boundToMicros(0.005)).toBe(5000);
    // 0.5 ms (500 µs) is recorded in the slot [500, 503] µs, the bound's own: it counts under le="0.0005", as
    // 0.496 ms does; 0.504 ms is in the next slot and does not.
    const config = parsePrometheusOptions({ buckets: [0.0005, 0.0007] });
    const f = parseExposition(
      renderPrometheus(
        { snapshot: snapshotFixture(), latency: histogramOf([0.496, 0.496, 0.5, 0.504, 0.6]) },
        config,
      ),
    );
    expect(buckets(f, 'sysvitals_http_request_duration_seconds')).toEqual([
      { le: '0.0005', value: 3 },
      { le: '0.0007', value: 5 },
      { le: '+Inf', value: 5 },
    ]);
  });

  it('agrees with the JSON p95 at every bound up to the bound\'s own HDR slot (outside reviews: F15 1003 ms beside le="1", 18 F4 500 ms outside le="0.5")', async () => {
    // p95 <= b gives >= 95 % under le=b; >= 95 % under le=b gives p95 at most the top of b's HDR slot (from the
    // library), b itself unless a value above b shares its slot: 90 requests of 20 ms and 10 of 1003 ms (in 1 s's
    // slot, 999.424 to 1003.519 ms: all 100 count under le="1", README), 30 of exactly 500 ms, then random mixes.
    const mixes: number[][] = [[...Array(90).fill(20), ...Array(10).fill(1003)], Array(30).fill(500)];
    let seed = 7;
    const rand = () => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    for (let k = 0; k < 30; k++)
      mixes.push(Array.from({ length: 100 }, () => Math.round(rand() * 3000 * 1000) / 1000));
    const library = histogramOf([]) as hdr.JsHistogram;
    for (const mix of mixes) {
      const requests = new RequestStats({ clock: { now: () => 1_000_000 } });
      for (const ms of mix) requests.record('GET', '/d', 200, ms);
      const p95 = requests.groups().latency.p95_ms as number;
      const data = await collectPrometheusData({
        getMetrics: async () => snapshotFixture(),
        getHealth: async () => healthFixture(),
        getAlerts: async () => [alertFixture()],
        getHistory: async () => ({}),
        requests,
      });
      const f = parseExposition(renderPrometheus(data));
      for (const b of buckets(f, 'sysvitals_http_request_duration_seconds')) {
        if (b.le === '+Inf') continue;
        const boundMs = Number(b.le) * 1000;
        const share = b.value / mix.length;
        if (p95 <= boundMs)
          expect(share, `le=${b.le} holds ${b.value}, p95 ${p95} ms`).toBeGreaterThanOrEqual(0.95);
        if (share >= 0.95) {
          const top = library.highestEquivalentValue(boundToMicros(Number(b.le))) / 1000;
          expect(p95, `le=${b.le} holds ${b.value}, p95 ${p95} ms`).toBeLessThanOrEqual(top);
        }
      }
    }
  });

  it('only grows from one scrape to the next, counters included', () => {
    const data = largeData(5, 3);
    const before = parseExposition(renderPrometheus(data));
    for (let i = 0; i < 50; i++) recordMs(data.latency as Histogram, i * 37);
    const after = parseExposition(renderPrometheus(data));
    for (const [name, fam] of before) {
      if (fam.type !== 'counter' && fam.type !== 'histogram') continue;
      fam.samples.forEach((s, i) => {
        expect(
          after.get(name)!.samples[i]!.value,
          `${s.name} ${JSON.stringify(s.labels)}`,
        ).toBeGreaterThanOrEqual(s.value);
      });
    }
    expect(sampleValue(after, 'sysvitals_http_request_duration_seconds_count')).toBe(
      sampleValue(before, 'sysvitals_http_request_duration_seconds_count')! + 50,
    );
  });

  it('exports an empty histogram with zero buckets when nothing was recorded', () => {
    const f = parseExposition(renderPrometheus({ snapshot: snapshotFixture() }));
    expect(buckets(f, 'sysvitals_http_request_duration_seconds').every((b) => b.value === 0)).toBe(true);
    expect(sampleValue(f, 'sysvitals_http_request_duration_seconds_count')).toBe(0);
  });

  it('uses configured boundaries', () => {
    const config = parsePrometheusOptions({ buckets: [0.001, 0.1, 1.5] });
    const f = parseExposition(
      renderPrometheus({ snapshot: snapshotFixture(), latency: histogramOf([0.5, 50, 1000, 9000]) }, config),
    );
    expect(buckets(f, 'sysvitals_http_request_duration_seconds')).toEqual([
      { le: '0.001', value: 1 },
      { le: '0.1', value: 2 },
      { le: '1.5', value: 3 },
      { le: '+Inf', value: 4 },
    ]);
  });
});

describe('parsePrometheusOptions', () => {
  it('defaults to the sysvitals_ prefix and the default buckets, frozen', () => {
    const config = parsePrometheusOptions();
    expect(config).toEqual({ prefix: 'sysvitals_', buckets: DEFAULT_PROMETHEUS_BUCKETS });
    expect(Object.isFrozen(config)).toBe(true);
  });

  it('applies a custom prefix to every family, and accepts an empty one', () => {
    const custom = parseExposition(
      renderPrometheus(largeData(2, 2), parsePrometheusOptions({ prefix: 'shop:' })),
    );
    expect([...custom.keys()].every((n) => n.startsWith('shop:'))).toBe(true);
    const bare = parseExposition(renderPrometheus(largeData(2, 2), parsePrometheusOptions({ prefix: '' })));
    expect(bare.has('http_requests_total')).toBe(true);
  });

  it.each(['1abc', 'my-app_', 'my app', 'é_', 'a\n'])(
    'rejects the prefix %j with a coded error',
    (prefix) => {
      expect(() => parsePrometheusOptions({ prefix })).toThrow(SysvitalsError);
      expect(() => parsePrometheusOptions({ prefix })).toThrow(/prefix/);
    },
  );

  it.each([
    [[], /non-empty/],
    [[0.1, 0.1], /strictly increasing/],
    [[0.5, 0.1], /strictly increasing/],
    [[0, 1], /above 0/],
    [[-1], /above 0/],
    [[Number.NaN], /finite/],
    [[1, Number.POSITIVE_INFINITY], /\+Inf/],
  ])('rejects buckets %j', (buckets, message) => {
    expect(() => parsePrometheusOptions({ buckets })).toThrow(message);
  });

  it('names the unknown option', () => {
    try {
      parsePrometheusOptions({ prefx: 'x' } as never);
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(SysvitalsError);
      expect((err as SysvitalsError).code).toBe('ERR_SYSVITALS_INVALID_OPTION');
      expect((err as Error).message).toMatch(/prefx/);
    }
  });
});

describe('collectPrometheusData', () => {
  const base = {
    getMetrics: async () => snapshotFixture(),
    getHealth: async () => healthFixture(),
    getAlerts: async () => [alertFixture()],
    getHistory: async () => ({}),
  };

  it('reads health and alerts from the source when it has no alert system', async () => {
    const data = await collectPrometheusData(base);
    expect(data.health).toEqual(healthFixture());
    expect(data.alerts).toEqual([alertFixture()]);
    expect(data.latency).toBeNull();
  });

  it('prefers counts views to HDR histograms, reading items that share one view one at a time', async () => {
    const shared = createView();
    const fill = (values: number[]) => {
      clearView(shared);
      for (const ms of values) addToView(shared, slotOf(microsOf(ms)), microsOf(ms));
      return shared;
    };
    const source = {
      ...base,
      requests: {
        routeTotals: () => [],
        cumulativeHistogram: () => {
          throw new Error('the HDR path must not be taken');
        },
        cumulativeCounts: () => fill([1, 2, 3]),
      },
      functions: {
        totals: () => {
          throw new Error('the HDR path must not be taken');
        },
        *totalCounts() {
          yield { name: 'fast', count: 2, errors: 0, histogram: fill([1, 2]) };
          yield { name: 'slow', count: 1, errors: 1, histogram: fill([900]) };
        },
      },
    };
    const data = await collectPrometheusData(source);
    const f = parseExposition(renderPrometheus(data));
    expect(
      sampleValue(f, 'sysvitals_function_duration_seconds_bucket', { function: 'fast', le: '0.005' }),
    ).toBe(2);
    expect(
      sampleValue(f, 'sysvitals_function_duration_seconds_bucket', { function: 'slow', le: '0.5' }),
    ).toBe(0);
    expect(sampleValue(f, 'sysvitals_function_duration_seconds_sum', { function: 'slow' })).toBe(0.9);
    expect(sampleValue(f, 'sysvitals_function_duration_seconds_sum', { function: 'fast' })).toBe(0.003);
  });
});
