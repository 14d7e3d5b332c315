// Bounds at the edges of the duration histograms' grid (outside review 19), against the oracle: the exact count
// of the raw durations <= le, through recordRequest and @timed (counts view and HDR histogram paths), promtool
// accepting the scrape.
// - F12: durations over the one-hour ceiling are counted in the ceiling's slot (3,590.3–3,607.1 s); they counted
//   under a bound below an hour in that slot (le="3599.9" held 7,200 s).
// - F3: a bound with a fraction of a µs (1.5 µs) counted the next whole µs (2 µs, 33 % above it).

import { describe, expect, it } from 'vitest';
import { collectPrometheusData } from '../../src/http/prometheus/data.js';
import { parsePrometheusOptions } from '../../src/http/prometheus/options.js';
import { renderPrometheus } from '../../src/http/prometheus/render.js';
import { toHistogram } from '../../src/latency/counts-view.js';
import { silentLogger } from '../../src/logger.js';
import { createMonitor } from '../../src/monitor.js';
import { expectPromtoolAccepts } from '../helpers/promtool.js';
import { parseExposition } from './prometheus-parse.js';

function bucketsOf(text: string, family: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const s of parseExposition(text).get(family)?.samples ?? [])
    if (s.name === `${family}_bucket`) out.set(s.labels.le as string, s.value);
  return out;
}

/** Scrapes the request histogram, as recorded and once more through an HDR histogram of the same counts. */
async function scrape(values: readonly number[], buckets: number[]): Promise<Map<string, number>[]> {
  const m = createMonitor({ sampleIntervalMs: 0, logger: silentLogger });
  try {
    for (const d of values) m.recordRequest({ method: 'GET', route: '/x', status: 200, durationMs: d });
    const config = parsePrometheusOptions({ buckets });
    const data = await collectPrometheusData(m);
    const view = renderPrometheus(data, config);
    expectPromtoolAccepts(view);
    const latency = data.latency as Parameters<typeof toHistogram>[0];
    const hdr = renderPrometheus({ ...data, latency: toHistogram(latency) }, config);
    expectPromtoolAccepts(hdr);
    return [view, hdr].map((t) => bucketsOf(t, 'sysvitals_http_request_duration_seconds'));
  } finally {
    await m.close();
  }
}

describe('duration buckets at the edges of the grid', () => {
  it('F12: durations over the one-hour ceiling count only under bounds of an hour or more', async () => {
    const values = [3_590_000, 3_599_000, 3_600_000, 3_600_001, 3_700_000, 7_200_000];
    const buckets = [3500, 3590, 3599.9, 3600, 3650, 7200];
    for (const b of await scrape(values, buckets)) {
      // Under an hour: none over the ceiling. 3,599 s shares the ceiling's slot with them: with durations over
      // the ceiling present the slot counts only from the first bound of an hour (README Prometheus).
      expect(b.get('3500')).toBe(0);
      expect(b.get('3590')).toBe(1);
      expect(b.get('3599.9')).toBe(1);
      expect(b.get('3599.9')).toBeLessThanOrEqual(values.filter((v) => v <= 3_599_900).length);
      // An hour or more: every clamped duration (documented), so at least the exact count.
      for (const le of ['3600', '3650', '7200']) {
        expect(b.get(le)).toBeGreaterThanOrEqual(values.filter((v) => v <= Number(le) * 1000).length);
        expect(b.get(le)).toBeLessThanOrEqual(6);
      }
      expect(b.get('+Inf')).toBe(6);
    }
  });

  it('F12: without durations over the ceiling, the ceiling slot counts under its bounds as any slot', async () => {
    const values = [3_590_000, 3_599_000, 3_600_000];
    for (const b of await scrape(values, [3590, 3599.9, 3600])) {
      // 3,600 s is in the slot of le="3599.9" (0.003 % above it): the documented same-slot allowance.
      expect([b.get('3590'), b.get('3599.9'), b.get('3600'), b.get('+Inf')]).toEqual([1, 3, 3, 3]);
    }
  });

  it('F3: a bound between two whole µs counts only the durations up to the µs below it', async () => {
    const values = [0.001, 0.002, 0.003, 0.255, 0.256, 0.257, 1.0, 1.001, 1.002, 300];
    const buckets = [0.0000005, 0.0000015, 0.0000025, 0.000003, 0.0002555, 0.000256, 0.0010005, 0.3];
    for (const b of await scrape(values, buckets)) {
      // Below 256 µs a slot is one µs: exact. Above, a bound's own slot may hold a value above it (documented).
      for (const le of ['5e-7', '0.0000015', '0.0000025', '0.000003', '0.0002555']) {
        expect(b.get(le), `le="${le}"`).toBe(values.filter((v) => v <= Number(le) * 1000).length);
      }
      // 1000.5 µs holds 1000 µs, whose slot is 1000–1007 µs: 1.001 and 1.002 ms share it (documented).
      expect(b.get('0.0010005')).toBe(7 + 2);
      expect(b.get('0.3')).toBe(10);
      expect(b.get('+Inf')).toBe(10);
    }
  });
});
