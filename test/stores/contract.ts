// The MetricsStore contract: one suite, run against every store (memory, Redis, Redis Cluster).

import { describe, expect, it } from 'vitest';
import type { Alert } from '../../src/alerts/alert.js';
import type { HistoryPoint } from '../../src/history/point.js';
import { downsample, queryHistory } from '../../src/history/query.js';
import type { MetricsStore } from '../../src/stores/store.js';
import type { Clock } from '../../src/types.js';
import { latencies, makePoint, reference, rng } from './points.js';

export interface StoreFactoryOptions {
  retentionMs?: number;
  resolutionMs?: number;
  alertLimit?: number;
  clock: Clock;
}

/** Each call gives a fresh, empty store (for Redis: its own prefix). */
export type StoreFactory = (options: StoreFactoryOptions) => Promise<MetricsStore>;

const MIN = 60_000;
const T0 = Date.UTC(2025, 0, 6, 0, 0, 0);

export function clockAt(ms: number): Clock & { set(ms: number): void } {
  let now = ms;
  return {
    now: () => now,
    set(ms: number) {
      now = ms;
    },
  };
}

export function alert(i: number): Alert {
  return {
    id: `alert-${i}`,
    rule: 'cpu',
    component: 'cpu',
    severity: i % 2 ? 'critical' : 'warning',
    message: `CPU usage is high (${80 + i}%)`,
    timestamp: new Date(T0 + i * 1000).toISOString(),
    duration_seconds: i,
    value: 80 + i,
    threshold: 80,
    state: 'active',
    cleared_at: null,
  };
}

function minutes(seed: number, first: number, count: number): HistoryPoint[] {
  const rand = rng(seed);
  return Array.from({ length: count }, (_, i) =>
    makePoint({
      t: first + i * MIN,
      latencies: latencies(rand, 1 + Math.floor(rand() * 20)),
      errors4xx: i % 2,
    }),
  );
}

export function describeStoreContract(name: string, create: StoreFactory): void {
  describe(`${name}: MetricsStore contract`, () => {
    it('reads back what was appended, in range [from, to), oldest first, whatever the append order', async () => {
      const clock = clockAt(T0 + 20 * MIN);
      const store = await create({ clock });
      try {
        const points = minutes(1, T0, 10);
        const shuffled = [
          points[3],
          points[0],
          points[9],
          points[1],
          points[2],
          points[8],
          points[4],
          points[7],
        ];
        for (const p of [...shuffled, points[5], points[6]]) await store.appendPoint('web-1', p!);
        expect(await store.readPoints('web-1', points[2]!.t, points[7]!.t)).toEqual(points.slice(2, 7));
        expect(await store.readPoints('web-1', 0, Number.MAX_SAFE_INTEGER)).toEqual(points);
        expect(await store.readPoints('web-1', T0 + 100 * MIN, T0 + 200 * MIN)).toEqual([]);
        expect(await store.readPoints('nobody', 0, Number.MAX_SAFE_INTEGER)).toEqual([]);
      } finally {
        await store.close();
      }
    });

    it('keeps instances apart; readAllInstances returns those with points in the range', async () => {
      const clock = clockAt(T0 + 200 * MIN);
      const store = await create({ clock });
      try {
        const a = minutes(2, T0 + 100 * MIN, 5);
        const b = minutes(3, T0 + 100 * MIN, 3);
        const old = minutes(4, T0, 2);
        for (const p of a) await store.appendPoint('a', p);
        for (const p of b) await store.appendPoint('b', p);
        for (const p of old) await store.appendPoint('old', p);
        expect(await store.readPoints('b', 0, Number.MAX_SAFE_INTEGER)).toEqual(b);
        const all = await store.readAllInstances(T0 + 50 * MIN, T0 + 200 * MIN);
        expect([...all.keys()].sort()).toEqual(['a', 'b']);
        expect(all.get('a')).toEqual(a);
        expect(all.get('b')).toEqual(b);
      } finally {
        await store.close();
      }
    });

    it('long periods read from rollups and give the same history as the raw points', async () => {
      const now = T0 + 3 * 60 * MIN + 30_000;
      const clock = clockAt(now);
      const store = await create({ clock });
      try {
        const points = minutes(5, T0, 180);
        for (const p of points) await store.appendPoint('web-1', p);
        for (const period of ['24h', '7d'] as const) {
          expect(await queryHistory(store, { period, instance: 'web-1', now })).toEqual(
            downsample(points, { period, now, instance: 'web-1' }),
          );
        }
        const rolled = await store.readPoints('web-1', T0, now + MIN, 1_800_000);
        expect(rolled.length).toBeLessThanOrEqual(points.length);
        expect(rolled.reduce((n, p) => n + p.requests, 0)).toBe(points.reduce((n, p) => n + p.requests, 0));
      } finally {
        await store.close();
      }
    });

    it('a minute without requests reads back with null latency in every period; merged steps take only the minutes that served requests', async () => {
      const now = T0 + 3 * 60 * MIN + 30_000;
      const clock = clockAt(now);
      const store = await create({ clock });
      try {
        const rand = rng(11);
        // Requests in three minutes only; every other minute has host samples and no request.
        const served = new Map<number, number[]>([
          [T0 + 150 * MIN, latencies(rand, 40, 20)],
          [T0 + 152 * MIN, latencies(rand, 25, 300)],
          [T0 + 171 * MIN, latencies(rand, 7, 5)],
        ]);
        for (let i = 0; i < 180; i++) {
          const t = T0 + i * MIN;
          await store.appendPoint('web-1', makePoint({ t, latencies: served.get(t) }));
          await store.appendPoint('idle', makePoint({ t })); // a fleet member that served nothing
        }
        for (const instance of ['web-1', 'all']) {
          for (const period of ['1h', '24h', '7d'] as const) {
            const r = await queryHistory(store, { period, instance, now });
            const step = r.step_seconds * 1000;
            let withRequests = 0;
            for (const p of r.points) {
              const values = [...served].filter(([t]) => t >= p.t && t < p.t + step).flatMap(([, v]) => v);
              const at = `${instance} ${period} ${p.timestamp}`;
              const figures = [
                p.latency_p50_ms,
                p.latency_p95_ms,
                p.latency_p99_ms,
                p.latency_avg_ms,
                p.latency_max_ms,
              ];
              if (values.length === 0) {
                expect(figures, at).toEqual([null, null, null, null, null]);
                continue;
              }
              withRequests++;
              // The oracle: one histogram of every raw value of the step (merged counts, not averaged figures).
              const ref = reference(values);
              expect(p.requests, at).toBe(values.length);
              expect([p.latency_p50_ms, p.latency_p95_ms, p.latency_p99_ms, p.latency_max_ms], at).toEqual([
                ref.p50_ms,
                ref.p95_ms,
                ref.p99_ms,
                ref.max_ms,
              ]);
              const mean = values.reduce((s, v) => s + Math.round(v * 1000), 0) / values.length / 1000;
              expect(Math.abs((p.latency_avg_ms as number) - mean), at).toBeLessThanOrEqual(mean * 0.01);
            }
            // 1h: minutes 150, 152, 171; 24h: steps 150-154 and 170-174; 7d: step 150-179.
            expect(withRequests, `${instance} ${period}`).toBe(
              period === '1h' ? 3 : period === '24h' ? 2 : 1,
            );
          }
        }
      } finally {
        await store.close();
      }
    });

    it('drops points older than the retention as it writes', async () => {
      const clock = clockAt(T0);
      const store = await create({ clock, retentionMs: 10 * MIN, resolutionMs: MIN });
      try {
        const points = minutes(6, T0, 30);
        for (const p of points) {
          clock.set(p.t + MIN);
          await store.appendPoint('web-1', p);
        }
        const kept = await store.readPoints('web-1', 0, Number.MAX_SAFE_INTEGER);
        const cutoff = clock.now() - 10 * MIN;
        expect(kept).toEqual(points.filter((p) => p.t >= cutoff));
        for (const step of [5 * MIN, 30 * MIN]) {
          const rolled = await store.readPoints('web-1', 0, Number.MAX_SAFE_INTEGER, step);
          expect(rolled.every((p) => p.t >= cutoff)).toBe(true);
        }
      } finally {
        await store.close();
      }
    });

    it('alert history: newest first, `limit` respected, bounded by alertLimit', async () => {
      const store = await create({ clock: clockAt(T0), alertLimit: 5 });
      try {
        for (let i = 1; i <= 8; i++) await store.appendAlert(alert(i));
        const three = await store.readAlerts(3);
        expect(three.map((a) => a.id)).toEqual(['alert-8', 'alert-7', 'alert-6']);
        expect(three[0]).toMatchObject(alert(8));
        expect((await store.readAlerts(100)).map((a) => a.id)).toEqual([
          'alert-8',
          'alert-7',
          'alert-6',
          'alert-5',
          'alert-4',
        ]);
        expect(await store.readAlerts(0)).toEqual([]);
      } finally {
        await store.close();
      }
    });

    it('close is idempotent; later writes are ignored, later reads reject with ERR_SYSVITALS_CLOSED', async () => {
      const store = await create({ clock: clockAt(T0 + MIN) });
      await store.appendPoint('web-1', makePoint({ t: T0 }));
      await Promise.all([store.close(), store.close()]);
      await store.close();
      await expect(store.appendPoint('web-1', makePoint({ t: T0 + MIN }))).resolves.toBeUndefined();
      await expect(store.appendAlert(alert(1))).resolves.toBeUndefined();
      await expect(store.readPoints('web-1', 0, Number.MAX_SAFE_INTEGER)).rejects.toMatchObject({
        code: 'ERR_SYSVITALS_CLOSED',
      });
    });
  });
}
