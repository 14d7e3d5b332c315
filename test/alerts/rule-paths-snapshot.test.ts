// Regression (outside review 33, RT33-9): rules on documented snapshot fields the monitor adds to a collected
// snapshot (`apdex.score`, `requests.in_flight`, `queries.p95_ms`, `errors.horizon.*`, `dropped_observations.*`, …)
// were refused at setup as "not in the snapshot". The oracle is a real snapshot: every number in it (each keyed
// array item by its key, as rule paths read them) is taken as a rule's metric; a monitor fed the same inputs on the
// same injected clock must accept every rule, and each must fire at its first sample with the snapshot's value.

import { afterEach, describe, expect, it } from 'vitest';
import type { Alert } from '../../src/alerts/alert.js';
import { silentLogger } from '../../src/logger.js';
import type { MonitorOptions } from '../../src/monitor/options.js';
import { createMonitor, type SystemMonitor } from '../../src/monitor.js';
import type { MetricsSnapshot } from '../../src/types.js';
import { makeProcRoot, type ProcRoot } from '../collector/helpers/proc-root.js';

const START = Date.UTC(2026, 11, 7, 3, 0, 0);
const opened: { monitor: SystemMonitor; proc: ProcRoot }[] = [];
afterEach(async () => {
  for (const o of opened.splice(0)) {
    await o.monitor.close();
    o.proc.cleanup();
  }
});

/** A monitor on a static /proc and an injected clock, fed the same traffic each time; its sample's snapshot. */
async function sampled(extra: Partial<MonitorOptions> = {}) {
  const proc = makeProcRoot();
  let t = START;
  const monitor = createMonitor({
    sampleIntervalMs: 0,
    logger: silentLogger,
    procRoot: proc.root,
    clock: () => t,
    monotonicClock: () => t,
    ...extra,
  });
  opened.push({ monitor, proc });
  const queue = monitor.gauge('queue_depth', { help: 'Jobs waiting' });
  const sent = monitor.counter('mails_sent', { help: 'Mails sent' });
  const size = monitor.histogram('payload_bytes', { help: 'Payload sizes' });
  // Requests 2 minutes back (the error horizon's), then a few in the window, too few to judge it.
  for (let i = 0; i < 40; i++) {
    t = START + i * 100;
    monitor.recordRequest({
      method: 'GET',
      route: '/old',
      status: i % 4 === 0 ? 500 : 200,
      durationMs: 10 + i,
    });
  }
  t = START + 150_000;
  for (let i = 0; i < 5; i++) {
    t += 100;
    monitor.recordRequest({ method: 'GET', route: '/users/:id', status: 200, durationMs: 20 + i });
    monitor.recordQuery('postgresql', 'SELECT $1', 3 + i, false, '/users/:id');
    monitor.recordFunction('render', 2 + i, false);
    monitor.recordJob('nightly', 50 + i, false);
    queue.set(7 + i);
    sent.inc(2);
    size.observe(100 * (i + 1));
  }
  monitor.recordRequest({ method: 'GET', route: '/bad', status: Number.NaN, durationMs: 1 }); // dropped
  t += 1000;
  return { monitor, snapshot: await monitor.sample() };
}

/**
 * Every number in `value` as a rule path and its value: object fields by name, array items by their key. README
 * (Rules on any metric): a group reported `unknown`, or a statistic of an empty window, is no reading; those
 * numbers are put in `unread`.
 */
function numbers(
  value: unknown,
  path: string,
  out: Map<string, number>,
  unread = new Set<string>(),
  no = false,
): void {
  if (typeof value === 'number') {
    if (Number.isFinite(value)) out.set(path, value);
    if (no) unread.add(path);
    return;
  }
  if (Array.isArray(value)) {
    for (const item of value) {
      if (item === null || typeof item !== 'object') continue;
      const o = item as Record<string, unknown>;
      const key =
        typeof o.method === 'string' && typeof o.route === 'string'
          ? `${o.method} ${o.route}`
          : typeof o.name === 'string'
            ? o.name
            : typeof o.mount === 'string'
              ? o.mount
              : undefined;
      if (key !== undefined) numbers(item, `${path}[${JSON.stringify(key)}]`, out, unread, no);
    }
    return;
  }
  if (value === null || typeof value !== 'object') return;
  const unknown = no || (value as { status?: unknown }).status === 'unknown';
  // README: "a figure of an empty window (`avg`, `min`, `max`, `p99`…, `_ms` or not, where `count` is 0)" neither.
  const empty = (value as { count?: unknown }).count === 0;
  for (const [k, v] of Object.entries(value)) {
    const segment = /^[A-Za-z_][A-Za-z0-9_]*$/.test(k) ? `.${k}` : `[${JSON.stringify(k)}]`;
    const none = unknown || (empty && /^(avg|min|max|p\d+)(_ms)?$/.test(k));
    numbers(v, path === '' ? segment.replace(/^\./, '') : `${path}${segment}`, out, unread, none);
  }
}

describe('alert rules on every number of a real snapshot', () => {
  it('are accepted at setup, and each fires with the value of its field', async () => {
    const { snapshot } = await sampled();
    const found = new Map<string, number>();
    const { custom, plugins, cluster_mode, ...groups } = snapshot as MetricsSnapshot &
      Record<string, unknown>;
    numbers(groups, '', found);
    // The fields the review found refused, so that this test covers them.
    for (const p of [
      'requests.in_flight',
      'requests.shed_total',
      'apdex.score',
      'queries.p95_ms',
      'dropped_observations.requests',
      'errors.horizon.error_rate_lower_percent',
    ])
      expect([...found.keys()]).toContain(p);
    // Custom metrics: their documented readings (a histogram's fields; a gauge's value).
    found.set('custom.queue_depth', 11);
    found.set('custom.payload_bytes.p99', 500);
    const paths = [...found.keys()];
    const rules = paths.map((metric, i) => ({ name: `r${i}`, metric, warning: -1e15 }));

    const { monitor, snapshot: evaluated } = await sampled({ alerts: { rules } });
    const want = new Map<string, number>();
    const unread = new Set<string>();
    numbers(evaluated, '', want, unread);
    want.set('custom.queue_depth', 11);
    want.set('custom.payload_bytes.p99', 500);
    const active = (await monitor.getAlerts({ limit: 10_000 })) as Alert[];
    const byRule = new Map(active.map((a) => [a.rule, a.value]));
    // An alert's value is rounded to 0.01; a field of a group reported unknown raises nothing.
    const wrong = rules
      .filter((r) => {
        const got = byRule.get(r.name);
        const value = want.get(r.metric) as number;
        if (unread.has(r.metric)) return got !== undefined;
        return got === undefined || Math.abs(got - value) > 0.005 + 1e-9;
      })
      .map((r) => `${r.metric}: alert ${byRule.get(r.name)}, snapshot ${want.get(r.metric)}`);
    expect(wrong).toEqual([]);
    expect(rules.filter((r) => !unread.has(r.metric)).length).toBeGreaterThan(100);
  });
});
