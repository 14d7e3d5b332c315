// Outside review 37, RT37-10 on the cluster's merge: a rule's selected label set keeps its own slot past a custom
// metric's maxLabelSets on the aggregator too, where the sets come from the workers' reports. Real node:cluster,
// 2 workers, orders_total{kind} with maxLabelSets 3: six kinds fill and pass the bound on every worker first, then
// kind "z" (the rule's) arrives. Oracle: the requests every worker logged; the rule's warning is the exact sum of
// z's orders less a half, so it raises only once every one of them is merged, and its value is that sum.

import { describe, expect, it } from 'vitest';
import { rng } from '../helpers/random.js';
import { BASE, get, getJson, HOST_RULES_OFF, logLines, until, useCluster } from './helpers.js';

const u = rng(37);
const KINDS = ['a', 'b', 'c', 'd', 'e', 'f'];
const first = Array.from({ length: 120 }, (_, i) => ({ kind: KINDS[i % 6]!, n: 1 + Math.floor(u() * 4) }));
const late = Array.from({ length: 24 }, () => ({ kind: 'z', n: 1 + Math.floor(u() * 4) }));
const zTotal = late.reduce((s, x) => s + x.n, 0);

async function spread(port: number, calls: Array<{ kind: string; n: number }>): Promise<void> {
  let next = 0;
  const run = async () => {
    while (next < calls.length) {
      const { kind, n } = calls[next++]!;
      const r = await get(port, `/custom?kind=${kind}&n=${n}&v=1`);
      expect(r.status).toBe(200);
    }
  };
  await Promise.all(Array.from({ length: 4 }, run));
}

describe('node:cluster: a rule on one label set past maxLabelSets, merged on the aggregator (RT37-10)', () => {
  const c = useCluster<{ type: string; alert: { rule: string; value: number; level: string } }>(
    (url) => ({
      WEBHOOK: url,
      SAMPLE_MS: '300',
      ORDERS_MAX_SETS: '3',
      ALERTS: JSON.stringify({
        ...HOST_RULES_OFF,
        error_rate: { enabled: false },
        api_response_time: { enabled: false },
        rules: [
          {
            name: 'z-orders',
            metric: 'custom.orders_total.value',
            labels: { kind: 'z' },
            warning: zTotal - 0.5,
          },
        ],
      }),
    }),
    2,
    { readyMs: 30_000, setupMs: 90_000 },
  );

  it("the rule's set keeps its slot on the aggregator: exact merged value, raised once", async () => {
    await spread(c.port, first);
    const early = logLines<[string, number]>(c.logDir, 'clog');
    expect(early).toHaveLength(first.length);
    const pids = new Set(early.map((l) => l.pid));
    // Every worker passed the bound (more than 3 kinds) before any z.
    expect(pids.size).toBe(2);
    for (const pid of pids)
      expect(new Set(early.filter((l) => l.pid === pid).map((l) => l.v[0])).size).toBeGreaterThan(3);
    const firstTotal = first.reduce((s, x) => s + x.n, 0);
    await until(
      async () =>
        (await getJson(c.port, `${BASE}/metrics`)).data.data.custom?.orders_total?.value === firstTotal,
      10_000,
    );

    await spread(c.port, late);
    const lines = logLines<[string, number]>(c.logDir, 'clog');
    const z = lines.filter((l) => l.v[0] === 'z');
    expect(z).toHaveLength(late.length);
    expect(new Set(z.map((l) => l.pid)).size).toBe(2);
    const want = z.reduce((s, l) => s + l.v[1], 0);
    expect(want).toBe(zTotal);
    const all = lines.reduce((s, l) => s + l.v[1], 0);

    const m = await until(async () => {
      const d = (await getJson(c.port, `${BASE}/metrics`)).data.data;
      return d.custom?.orders_total?.value === all && d;
    }, 10_000);
    const series = m.custom.orders_total.series as Array<{ labels: { kind: string }; value: number }>;
    // The merge passed the bound: 3 sets, z's own slot, and `other` for the rest.
    expect(series.map((s) => s.labels.kind)).toContain('other');
    expect(series).toHaveLength(5);
    expect(series.find((s) => s.labels.kind === 'z')?.value).toBe(want);
    expect(series.reduce((s, x) => s + x.value, 0)).toBe(all);

    await until(
      async () => c.hooks.received.some((e) => e.type === 'raised' && e.alert.rule === 'z-orders'),
      20_000,
    );
    await new Promise((r) => setTimeout(r, 1500));
    const raised = c.hooks.received.filter((e) => e.type === 'raised' && e.alert.rule === 'z-orders');
    expect(raised).toHaveLength(1);
    expect(raised[0]!.alert.value).toBe(want);
  }, 90_000);
});
