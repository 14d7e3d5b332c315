// Bounds at the edges of the duration histograms' grid (outside review 19), against the oracle: the exact count
// of the raw durations <= le, through recordRequest and @timed (counts view and HDR histogram paths), promtool
// accepting the scrape.
// - F12, review 20: durations over the one-hour ceiling shared the ceiling's slot (3,590.3–3,607.1 s) with those
//   just under it: first they counted under a bound below an hour (le="3599.9" held 7,200 s), then, once any had
//   been recorded, that slot's durations under an hour were left out of every bound below the hour (59 min 59 s
//   not under le="3599.9").
// - F3: a bound with a fraction of a µs (1.5 µs) counted the next whole µs (2 µs, 33 % above it).

import { describe, expect, it } from 'vitest';
import { collectPrometheusData } from '../../src/http/prometheus/data.js';
import { parsePrometheusOptions } from '../../src/http/prometheus/options.js';
import { renderPrometheus } from '../../src/http/prometheus/render.js';
import { toHistogram } from '../../src/latency/counts-view.js';
import { silentLogger } from '../../src/logger.js';
import { createMonitor } from '../../src/monitor.js';
import { NO_HOST_FILES } from '../helpers/hostless.js';
import { expectPromtoolAccepts } from '../helpers/promtool.js';
import { parseExposition } from './prometheus-parse.js';

const HOUR_US = 3_600_000_000;

/**
 * The first µs of the HDR slot (2 significant digits: 128 half-count sub-buckets, 1 µs unit) holding `us`, from the
 * published layout (HdrHistogram's bucket / sub-bucket indexing), not from our slot code.
 */
function slotStart(us: number): number {
  const width = 2 ** Math.max(0, Math.floor(Math.log2(us)) - 7);
  return Math.floor(us / width) * width;
}

/**
 * The oracle of one bucket (README Prometheus): the raw durations at or below `le`, counted exactly from the sorted
 * values, plus only the documented allowances: a duration above the bound in the bound's own slot (both at most an
 * hour), and, for a bound over the hour, every duration over the hour (their exact values are not kept).
 */
function expectedCount(durationsMs: readonly number[], le: number): number {
  const sorted = [...durationsMs].sort((x, y) => x - y);
  const leUs = Math.round(le * 1e6);
  let n = 0;
  for (const ms of sorted) {
    const us = Math.round(ms * 1000);
    const atOrBelow = us <= leUs;
    const sameSlot = us <= HOUR_US && leUs <= HOUR_US && slotStart(us) === slotStart(leUs);
    const overHour = us > HOUR_US && leUs > HOUR_US;
    if (atOrBelow || sameSlot || overHour) n++;
  }
  return n;
}

function bucketsOf(text: string, family: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const s of parseExposition(text).get(family)?.samples ?? [])
    if (s.name === `${family}_bucket`) out.set(s.labels.le as string, s.value);
  return out;
}

/** Scrapes the request histogram, as recorded and once more through an HDR histogram of the same counts. */
async function scrape(values: readonly number[], buckets: number[]): Promise<Map<string, number>[]> {
  // No host group read (NO_HOST_FILES): the oracle is the request histogram; the first read waited a real 250 ms
  // CPU window for host figures nothing here checks.
  const m = createMonitor({ sampleIntervalMs: 0, logger: silentLogger, ...NO_HOST_FILES });
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
  it('review 20: a duration just under an hour counts under its bounds while longer ones were recorded', async () => {
    // 59 min 59 s, durations equal to bounds, just under and over the hour, and two hours.
    const values = [
      5, 5.001, 1000, 3_500_000, 3_590_000, 3_599_000, 3_599_900, 3_599_999, 3_600_000, 3_600_001, 3_600_500,
      3_700_000, 7_200_000,
    ];
    const buckets = [0.005, 1, 3500, 3590, 3599, 3599.9, 3600, 3600.5, 3601, 3650, 7200, 10_000];
    const cases = [values, values.filter((v) => v <= 3_600_000)];
    for (const raw of cases) {
      const want = buckets.map((le) => [String(le), expectedCount(raw, le)]);
      for (const b of await scrape(raw, buckets)) {
        expect(buckets.map((le) => [String(le), b.get(String(le))])).toEqual(want);
        expect(b.get('+Inf')).toBe(raw.length);
      }
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
