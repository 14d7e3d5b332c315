// A custom metric can never add a second Prometheus family of a name the exposition already has (outside
// review F1: `counter('http_requests')` made the whole scrape unparseable). The oracle is a real scrape of a
// monitor with every feature on: each built-in family it emits, and each of its series names, is refused.
import { spawnSync } from 'node:child_process';
import { afterEach, describe, expect, it } from 'vitest';
import { BUILTIN_FAMILIES, type FamilyType } from '../../src/custom/builtin-families.js';
import { CustomMetrics } from '../../src/custom/registry.js';
import { collectPrometheusData } from '../../src/http/prometheus/data.js';
import { renderPrometheus } from '../../src/http/prometheus/render.js';
import { createMonitor, type SystemMonitor } from '../../src/monitor.js';

const INSTALL = 'install prometheus (apt-get install prometheus) to run the promtool check';
const missing = spawnSync('promtool', ['--version']).error !== undefined;
// In CI a missing promtool fails the check below; elsewhere it is skipped with a hint.
const skipPromtool = missing && process.env.CI !== 'true';
if (skipPromtool) console.warn(`skipping the promtool check: ${INSTALL}`);

const PREFIX = 'sysvitals_';
const quiet = { warn() {}, error() {} };
const monitors: SystemMonitor[] = [];
afterEach(async () => {
  await Promise.all(monitors.splice(0).map((m) => m.close()));
});

function fullMonitor(extraPlugins: { name: string; collect: () => Record<string, unknown> }[] = []) {
  const m = createMonitor({
    sampleIntervalMs: 0,
    logger: quiet,
    queries: { prometheus: true },
    collectors: [
      { name: 'payments', collect: () => ({ up: true, queues: { jobs: { messages: 7 } } }) },
      ...extraPlugins,
    ],
  });
  monitors.push(m);
  return m;
}

/** Every feature that shows in a scrape: requests, @timed, queries, jobs, a plugin, health and alerts. */
async function fullScrape(m: SystemMonitor): Promise<string> {
  m.recordRequest({ method: 'GET', route: '/users/:id', status: 200, durationMs: 12 });
  m.recordRequest({ method: 'GET', route: '/users/:id', status: 499, durationMs: 3 });
  m.recordFunction('work', 4, true);
  m.recordQuery('postgresql', 'SELECT * FROM users WHERE id = $1', 3, true, '/users/:id');
  m.recordJob('sync', 5, false);
  m.recordJob('sync', 6, true, new Error('x'));
  await m.sample();
  return renderPrometheus(await collectPrometheusData(m));
}

/** The families of a scrape (`# TYPE` lines), without the prefix, with their types. */
function familiesOf(text: string): Map<string, FamilyType> {
  const out = new Map<string, FamilyType>();
  for (const m of text.matchAll(/^# TYPE (\S+) (\S+)$/gm)) {
    out.set((m[1] as string).slice(PREFIX.length), m[2] as FamilyType);
  }
  return out;
}

/** Declarations that would expose `family` (of `type`) or one of its series again. */
function collidingDeclarations(
  family: string,
  type: FamilyType,
): [string, 'counter' | 'gauge' | 'histogram'][] {
  const out: [string, 'counter' | 'gauge' | 'histogram'][] = [
    [family, 'gauge'],
    [family, 'histogram'],
  ];
  if (type === 'counter') out.push([family.replace(/_total$/, ''), 'counter'], [family, 'counter']);
  if (type === 'histogram') {
    for (const s of ['_bucket', '_sum', '_count']) out.push([family + s, 'gauge'], [family + s, 'counter']);
  }
  return out;
}

function declare(m: SystemMonitor, name: string, kind: 'counter' | 'gauge' | 'histogram'): void {
  if (kind === 'counter') m.counter(name);
  else if (kind === 'gauge') m.gauge(name);
  else m.histogram(name);
}

describe('custom metric names against the exposition (review F1)', () => {
  it('refuses, for every built-in family of a real full scrape, each declaration that would emit it again', async () => {
    const m = fullMonitor();
    const families = familiesOf(await fullScrape(m));
    const builtins = [...families].filter(([f]) => !f.startsWith('plugin_payments_'));
    // The scrape has the families of every feature switched on (a check that the oracle is not empty).
    for (const f of [
      'http_requests_total',
      'function_duration_seconds',
      'db_query_duration_seconds',
      'plugin_up',
    ])
      expect(families.has(f), f).toBe(true);
    expect(builtins.length).toBeGreaterThan(40);
    for (const [family, type] of builtins) {
      // The renderer's families are the catalogue's: a family written outside it could be declared again.
      expect(BUILTIN_FAMILIES[family as keyof typeof BUILTIN_FAMILIES]?.type, family).toBe(type);
      for (const [name, kind] of collidingDeclarations(family, type)) {
        let code: unknown;
        let message = '';
        try {
          declare(m, name, kind);
        } catch (err) {
          code = (err as { code?: string }).code;
          message = (err as Error).message;
        }
        expect(code, `${kind} ${name} beside ${type} ${family}`).toBe('ERR_SYSVITALS_INVALID_METRIC');
        expect(message).toContain(`<prefix>${family}\``);
      }
    }
    // Nothing refused was half-registered: the custom group is empty.
    expect(Object.keys((await m.sample()).custom ?? {})).toEqual([]);
  });

  it("refuses the review's declarations with a coded error naming the colliding family", () => {
    const m = fullMonitor();
    expect(() => m.counter('http_requests')).toThrow(
      expect.objectContaining({
        code: 'ERR_SYSVITALS_INVALID_METRIC',
        message: expect.stringContaining('`<prefix>http_requests_total`'),
      }),
    );
    expect(() => m.gauge('health_score')).toThrow(
      expect.objectContaining({ code: 'ERR_SYSVITALS_INVALID_METRIC' }),
    );
    expect(() => m.gauge('plugin_payments_up')).toThrow(
      expect.objectContaining({
        code: 'ERR_SYSVITALS_INVALID_METRIC',
        message: expect.stringContaining('plugin `payments`'),
      }),
    );
    m.histogram('h1');
    expect(() => m.gauge('h1_bucket')).toThrow(
      expect.objectContaining({
        code: 'ERR_SYSVITALS_DUPLICATE_METRIC',
        message: expect.stringContaining('histogram `h1`'),
      }),
    );
    expect(() => m.counter('h1_count')).toThrow(
      expect.objectContaining({ code: 'ERR_SYSVITALS_DUPLICATE_METRIC' }),
    );
    // `x` and `x_total` are both exposed as `x_total`.
    m.counter('sent');
    expect(() => m.counter('sent_total')).toThrow(
      expect.objectContaining({ code: 'ERR_SYSVITALS_DUPLICATE_METRIC' }),
    );
    expect(() => m.gauge('sent_total')).toThrow(
      expect.objectContaining({ code: 'ERR_SYSVITALS_DUPLICATE_METRIC' }),
    );
    // Near names stay free, and the same declaration again is still the same metric.
    expect(m.counter('sent')).toBe(m.counter('sent'));
    expect(() => m.gauge('health_scores')).not.toThrow();
    expect(() => m.gauge('plugin_paymentsx_up')).not.toThrow();
    expect(() => m.gauge('h1_buckets')).not.toThrow();
  });

  it('refuses a plugin registered after a custom metric that takes one of its family names', () => {
    const reg = new CustomMetrics();
    reg.gauge('plugin_billing_queue');
    expect(() => reg.reservePlugins(['billing'])).toThrow(
      expect.objectContaining({
        code: 'ERR_SYSVITALS_DUPLICATE_METRIC',
        message: expect.stringContaining('`plugin_billing_queue`'),
      }),
    );
    // Refused as a whole: the plugin's families were not reserved.
    expect(() => reg.gauge('plugin_billing_other')).not.toThrow();
    reg.reservePlugins(['shipping']);
    expect(() => reg.counter('plugin_shipping_sent')).toThrow(
      expect.objectContaining({ code: 'ERR_SYSVITALS_INVALID_METRIC' }),
    );
  });

  it.skipIf(skipPromtool)(
    'a scrape with many custom metrics beside plugins passes promtool check metrics',
    async () => {
      if (missing) throw new Error(`promtool is missing: ${INSTALL}`);
      const m = fullMonitor([
        {
          name: 'broker',
          collect: () => ({ up: 1, depth: 3, x_y: 2, queues: { a: { n: 1 }, b: { n: 2 } } }),
        },
        // Two plugins can meet: `broker`'s `x_y` and `broker_x`'s `y` are both `plugin_broker_x_y` (the first kept).
        { name: 'broker_x', collect: () => ({ y: 1 }) },
      ]);
      const names = [
        'http_requests_custom',
        'health',
        'plugin_other_up',
        'jobs',
        'cpu',
        'up',
        'alert',
        'h1',
        'h2',
      ];
      for (let i = 0; i < 30; i++) {
        const base = `${names[i % names.length]}_${i}`;
        if (i % 3 === 0) m.counter(base, { labels: ['q'] }).inc({ q: 'a' }, i);
        else if (i % 3 === 1) m.gauge(base).set(i);
        else m.histogram(base, { labels: ['q'] }).observe({ q: 'b' }, i / 10);
      }
      // Names next to built-in ones, where no family meets.
      m.gauge('requests_shed_ratio');
      m.histogram('http_requests_aborted_seconds').observe(1);
      const text = await fullScrape(m);
      const helps = [...text.matchAll(/^# HELP (\S+)/gm)].map((x) => x[1]);
      expect(new Set(helps).size).toBe(helps.length);
      const r = spawnSync('promtool', ['check', 'metrics'], {
        input: text,
        encoding: 'utf8',
        timeout: 15_000,
      });
      expect({ status: r.status, output: `${r.stdout}${r.stderr}`.trim() }).toEqual({
        status: 0,
        output: '',
      });
    },
  );
});
