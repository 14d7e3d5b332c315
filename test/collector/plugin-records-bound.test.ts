// Outside review 27, RT27-5: a collector plugin's record had no series bound (a 20,000-key record gave 40,000
// Prometheus series, 2.4 MB and a 1.35 s event-loop stall per scrape). A record keeps its first maxRecordKeys
// (default 100) keys in its key order; the keys left out are counted in `dropped_keys` and warned about once.
// Oracle: the expected series are computed here from the raw record; promtool checks the exposition.
import { spawnSync } from 'node:child_process';
import { afterEach, describe, expect, it } from 'vitest';
import { renderPrometheus } from '../../src/http/prometheus/render.js';
import { createMonitor, type SystemMonitor } from '../../src/monitor.js';

const missing = spawnSync('promtool', ['--version']).error !== undefined;
const monitors: SystemMonitor[] = [];
afterEach(async () => {
  for (const m of monitors.splice(0)) await m.close();
});

function record(n: number): Record<string, { messages: number; consumers: number }> {
  const r: Record<string, { messages: number; consumers: number }> = {};
  // Inserted in reverse, with integer-like keys: Object.keys puts the integer-like keys first, ascending.
  for (let i = n - 1; i >= 0; i--) r[i % 3 === 0 ? String(i) : `tenant-${i}`] = { messages: i, consumers: 1 };
  return r;
}

async function monitorWith(queues: Record<string, unknown>, maxRecordKeys?: number) {
  const warnings: string[] = [];
  const m = createMonitor({
    sampleIntervalMs: 0,
    logger: { warn: (_o: unknown, msg?: string) => warnings.push(String(msg)), error() {} },
    collectors: [
      { name: 'big', collect: () => ({ queues, depth: 7 }), ...(maxRecordKeys ? { maxRecordKeys } : {}) },
    ],
  });
  monitors.push(m);
  return { m, warnings };
}

describe('collector plugin record bound', () => {
  it('keeps the first 100 keys of a 20,000-key record in key order, counts the rest, warns once', async () => {
    const raw = record(20_000);
    const { m, warnings } = await monitorWith(raw);
    await m.sample();
    const s = await m.sample();
    const group = s.plugins?.big as Record<string, unknown>;
    const kept = Object.keys(raw).slice(0, 100);
    expect(Object.keys(group.queues as object)).toEqual(kept);
    expect(group.dropped_keys).toEqual({ queues: 19_900 });
    expect(group.depth).toBe(7);
    expect(Object.keys(raw)).toHaveLength(20_000); // the plugin's own object is untouched
    expect(warnings.filter((w) => w.includes('maxRecordKeys'))).toHaveLength(1);

    const text = renderPrometheus({ snapshot: s });
    const series = text.split('\n').filter((l) => l.startsWith('sysvitals_plugin_big_'));
    const expected = [
      ...kept.map((k) => `sysvitals_plugin_big_queues_messages{key="${k}"} ${raw[k]?.messages}`),
      ...kept.map((k) => `sysvitals_plugin_big_queues_consumers{key="${k}"} 1`),
      'sysvitals_plugin_big_depth 7',
      'sysvitals_plugin_big_dropped_keys{key="queues"} 19900',
    ];
    expect(series.sort()).toEqual(expected.sort());
    if (!missing) {
      const r = spawnSync('promtool', ['check', 'metrics'], {
        input: text,
        encoding: 'utf8',
        timeout: 15_000,
      });
      expect(`${r.status} ${r.stdout}${r.stderr}`.trim()).toBe('0');
    }
    const json = JSON.stringify(await m.getMetrics());
    expect(json.length).toBeLessThan(100_000);
  });

  it('takes maxRecordKeys, bounds nested records per path, and refuses a bad bound at setup', async () => {
    const nested: Record<string, unknown> = {};
    for (let i = 0; i < 4; i++) nested[`q${i}`] = { parts: { p0: { n: 1 }, p1: { n: 2 }, p2: { n: 3 } } };
    const { m } = await monitorWith(nested, 2);
    const group = (await m.sample()).plugins?.big as Record<string, unknown>;
    expect(JSON.parse(JSON.stringify(group.queues))).toEqual({
      q0: { parts: { p0: { n: 1 }, p1: { n: 2 } } },
      q1: { parts: { p0: { n: 1 }, p1: { n: 2 } } },
    });
    // Two of four queues, and one of three parts in each of the two kept queues (`{ parts: {…} }` is a record
    // too, as in Prometheus where `parts` is the `key2` label: its path is `queues.*.*`).
    expect(group.dropped_keys).toEqual({ queues: 2, 'queues.*.*': 2 });
    let code: string | undefined;
    try {
      createMonitor({ collectors: [{ name: 'x', collect: () => ({}), maxRecordKeys: 0 }] });
    } catch (err) {
      code = (err as { code?: string }).code;
    }
    expect(code).toBe('ERR_SYSVITALS_INVALID_OPTION');
  });

  it('a record within the bound is the plugin object itself, with no dropped_keys', async () => {
    const raw = record(100);
    const { m, warnings } = await monitorWith(raw);
    const group = (await m.sample()).plugins?.big as Record<string, unknown>;
    expect(group.queues).toBe(raw);
    expect('dropped_keys' in group).toBe(false);
    expect(warnings).toEqual([]);
  });

  it("a plugin's own dropped_keys stays while no record is cut, and a rule on it fires (outside review 28, RT28-4)", async () => {
    const m = createMonitor({
      sampleIntervalMs: 0,
      logger: { warn() {}, error() {} },
      collectors: [{ name: 'p', collect: () => ({ dropped_keys: 42, queues: { a: { messages: 1 } } }) }],
      alerts: { rules: [{ name: 'own', metric: 'plugins.p.dropped_keys', warning: 10 }] },
    });
    monitors.push(m);
    const group = (await m.sample()).plugins?.p as Record<string, unknown>;
    expect(group.dropped_keys).toBe(42);
    const own = (await m.getAlerts()).filter((a) => a.rule === 'own');
    expect(own.map((a) => [a.rule, a.value])).toEqual([['own', 42]]);
  });
});
