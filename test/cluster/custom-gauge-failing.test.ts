// A callback gauge an enabled rule reads, whose collect() fails in one worker of the cluster (outside gapsC): in one
// process such a gauge is unknown in health (docs/custom-metrics.md, "what a rule cannot read"), but the cluster's
// health, whose gauge is the sum of the workers' readings, read as if it were measured: green, no component, no
// reason, while the cluster's sum lacked that worker's share. Real node:cluster processes (2 workers, fixture
// GAUGE_UNREAD=1: callbacks that throw 'not measured yet' except in the worker the file GAUGE_READER names, which
// reads 3); the oracle is each worker's own health (`instance=<worker>`: its process's, as in single-process mode)
// and the value the reading worker sets.

import { rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { aggregatorPid, BASE, getJson, HOST_RULES_OFF, metricsOf, until, useCluster } from './helpers.js';

const READER = join(tmpdir(), `sysvitals-gauge-failing-${process.pid}-${Date.now()}`);

const ALERTS = JSON.stringify({
  ...HOST_RULES_OFF,
  rules: [
    { name: 'one_high', metric: 'custom.unread_one', warning: 100 },
    { name: 'queue_high', metric: 'custom.unread_labelled', labels: { queue: 'a' }, warning: 100 },
  ],
});

const health = async (port: number, query = '') =>
  (await until(() => getJson(port, `${BASE}/health?detailed=true${query}`, 5000), 30_000)).data.data;

describe('node:cluster: a rule-read callback gauge failing in one worker', () => {
  const c = useCluster({ GAUGE_UNREAD: '1', GAUGE_READER: READER, ALERTS, SAMPLE_MS: '300' }, 2);
  afterAll(() => rmSync(READER, { force: true }));

  const names = ['custom.unread_one', 'custom.unread_labelled'];
  /** Each gauge's health component and unknown reason in a health answer. */
  const judged = (h: { components: Record<string, string>; unknown_reasons?: Record<string, string> }) =>
    names.map((n) => [h.components[n], h.unknown_reasons?.[n]]);

  it("is unknown in the cluster's health while a live worker's collect() fails, as in that worker's own", async () => {
    // Both fail (no reading anywhere): each worker's own health says unknown, and so does the cluster's.
    const both = await until(async () => {
      const r = await metricsOf(c.port);
      return r.cluster.workers_connected === 2 && names.every((n) => r.custom[n.slice(7)]) && r;
    }, 30_000);
    const reader = aggregatorPid(both.cluster);
    const failing = c.pids.find((p) => p !== reader) as number;
    // Guard: each worker sampled its gauges (their callbacks ran and threw).
    for (const pid of c.pids) {
      const own = await until(async () => {
        const h = await health(c.port, `&instance=${pid}`);
        return h.components[names[0] as string] !== undefined && h;
      }, 30_000);
      expect(judged(own)).toEqual(names.map(() => ['unknown', 'not measured yet']));
    }
    const none = await until(async () => {
      const h = await health(c.port);
      return h.unknown_reasons?.[names[0] as string]?.includes('and 1 more') && h;
    }, 30_000);
    expect(judged(none).map(([s, why]) => [s, why?.replace(/worker \d+@\d+/, 'worker W')])).toEqual(
      names.map(() => ['unknown', 'worker W: not measured yet (and 1 more workers)']),
    );

    // One reads 3 (the aggregator), one still fails.
    writeFileSync(READER, String(reader));
    const m = await until(async () => {
      const r = await metricsOf(c.port);
      return r.custom.unread_one?.value === 3 && r.custom.unread_labelled?.value === 3 && r;
    }, 30_000);
    // The value: the sum over the workers' readings, the failing worker having none (docs/cluster.md `custom`).
    // While a live worker fails, each set's sum may lack its share: `stale` (outside review rtF, F6).
    expect(m.custom.unread_labelled.series).toEqual([{ labels: { queue: 'a' }, value: 3, stale: true }]);
    expect(judged(await health(c.port, `&instance=${failing}`))).toEqual(
      names.map(() => ['unknown', 'not measured yet']),
    );
    expect(judged(await health(c.port, `&instance=${reader}`))).toEqual(
      names.map(() => [undefined, undefined]),
    );
    const one = await until(async () => {
      const h = await health(c.port);
      return !h.unknown_reasons?.[names[0] as string]?.includes('more') && h;
    }, 30_000);
    const failingId = m.cluster.workers.find((w: { pid: number }) => w.pid === failing).id;
    expect(judged(one)).toEqual(names.map(() => ['unknown', `worker ${failingId}: not measured yet`]));
    expect(one.status).not.toBe('green');

    // The failing worker is gone: only the reading worker is live, and the cluster is judged as it is.
    process.kill(failing, 'SIGKILL');
    await until(async () => (await metricsOf(c.port)).cluster.workers_connected === 1, 30_000);
    const after = await until(async () => {
      const h = await health(c.port);
      return h.components[names[0] as string] === undefined && h;
    }, 30_000);
    expect(judged(after)).toEqual(names.map(() => [undefined, undefined]));
    expect((await metricsOf(c.port)).custom.unread_one.value).toBe(3);
  }, 120_000);
});
