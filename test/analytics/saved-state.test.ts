// The saved anomaly models (outside review, issue 17, finding 7): each series' saved state fits the 8 KB
// budget, restores bit for bit (a restored monitor scores exactly as the original), and state saved by the
// previous versions (the raw Float64Array, and the packed form before the zero share of F5) still reads.

import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { Analytics } from '../../src/analytics/analytics.js';
import {
  AnomalyDetector,
  DEFAULT_DETECTOR_PARAMS,
  detectorStateLayout,
  detectorStateLayoutV4,
  detectorStateSizeV4,
} from '../../src/analytics/anomaly-detector.js';
import { packState, unpackState } from '../../src/analytics/detector-codec.js';
import { decodeDetectorStates } from '../../src/analytics/saved-state.js';
import type { HistoryPoint } from '../../src/history/point.js';
import { anomalyAnalytics, DAY, MIN, minutePoint, START } from '../helpers/anomaly-minutes.js';
import { prng } from '../helpers/random.js';

/** One minute of a normal noisy service with a daily cycle. */
function noisyPoint(t: number, r: ReturnType<typeof prng>): HistoryPoint {
  const daily = Math.sin(2 * Math.PI * ((t % DAY) / DAY - 0.25));
  const requests = Math.max(0, Math.round(600 * (1 + 0.6 * daily) + r.n() * 25));
  return minutePoint(t, {
    cpu_avg_percent: 25 + 15 * daily + r.n() * 3,
    memory_avg_percent: 50 + r.n() * 0.8,
    event_loop_p99_ms: 15 + 3 * daily + Math.abs(r.n() * 2),
    requests,
    errors_5xx: Math.max(0, Math.round(requests * 0.005 + r.n() * Math.sqrt(requests * 0.005))),
    latency_p95_ms: 180 + 40 * daily + r.n() * 12,
  });
}

/** The largest difference between two score sequences of the same length (Infinity if not). */
function maxDiff(a: readonly number[], b: readonly number[]): number {
  if (a.length !== b.length || a.length === 0) return Number.POSITIVE_INFINITY;
  return Math.max(...a.map((x, i) => Math.abs(x - (b[i] as number))));
}

describe('the saved model state fits the budget and restores exactly (finding 7)', () => {
  /** Analytics after a week of a noisy service and a custom series, every detector trained. */
  function trained(): Analytics {
    const a = anomalyAnalytics();
    const r = prng(9);
    for (let m = 0; m < 7 * 1440; m++) {
      a.observe('queue_depth', 40 + 30 * Math.sin((2 * Math.PI * m) / 1440) + r.n() * 4);
      a.scorePoint(noisyPoint(START + m * MIN, r));
    }
    return a;
  }

  it('each series saves under 8 KB (8,192 B of base64) and a restored monitor scores the next day exactly as the original', () => {
    const a = trained();
    const saved = a.exportState();
    const series = JSON.parse(saved).series as Record<string, string>;
    expect(Object.keys(series)).toHaveLength(7);
    // Was 8,524 B (the raw Float64Array of 799 slots in base64).
    for (const b64 of Object.values(series)) expect(b64.length).toBeLessThan(8192);
    const b = new Analytics(a.config);
    expect(b.importState(saved)).toBe(7);
    expect(b.exportState()).toBe(saved);
    const r1 = prng(3);
    const r2 = prng(3);
    for (let m = 7 * 1440; m < 8 * 1440; m++) {
      const t = START + m * MIN;
      const v = 40 + 30 * Math.sin((2 * Math.PI * m) / 1440);
      a.observe('queue_depth', v + r1.n() * 4);
      b.observe('queue_depth', v + r2.n() * 4);
      expect(b.scorePoint(noisyPoint(t, r2))).toEqual(a.scorePoint(noisyPoint(t, r1)));
    }
  });

  it('state saved before the zero share as v2 (the raw Float64Array in base64) still restores, share added', () => {
    const a = trained();
    const det = (a as unknown as { detectors: Map<string, AnomalyDetector> }).detectors.get(
      'cpu',
    ) as AnomalyDetector;
    // The v2 form of the same model: the state without its last three slots (the zero share, then the
    // excursion run, which is none after a normal week: 0 and 0).
    const old = det.state.slice(0, -3);
    expect(Array.from(det.state.slice(-2))).toEqual([0, 0]);
    const v2 = JSON.stringify({
      v: 2,
      size: old.length,
      series: { cpu: Buffer.from(old.buffer).toString('base64') },
    });
    const b = new Analytics(a.config);
    expect(b.importState(v2)).toBe(1);
    const restored = (b as unknown as { detectors: Map<string, AnomalyDetector> }).detectors.get('cpu');
    // cpu stayed above 0, so the share is 0: the same model exactly.
    expect(det.state.at(-3)).toBe(0);
    expect(Array.from(restored?.state ?? [])).toEqual(Array.from(det.state));
  });

  it('state saved before the excursion run (v4: the packed form with the zero share only) restores, no run in progress', () => {
    const a = trained();
    const saved = JSON.parse(a.exportState()) as { v: number; size: number; series: Record<string, string> };
    expect(saved.v).toBe(5);
    const dets = (a as unknown as { detectors: Map<string, AnomalyDetector> }).detectors;
    const v4Layout = detectorStateLayoutV4();
    const series: Record<string, string> = {};
    for (const [name, det] of dets) {
      // The v4 form of the same model: the packed state without its last two slots.
      const packed = packState(det.state.slice(0, -2), v4Layout) as Uint8Array;
      series[name] = Buffer.from(packed).toString('base64');
    }
    const v4 = JSON.stringify({ v: 4, size: detectorStateSizeV4(), series });
    const b = new Analytics(a.config);
    expect(b.importState(v4)).toBe(dets.size);
    const restored = (b as unknown as { detectors: Map<string, AnomalyDetector> }).detectors;
    for (const [name, det] of dets)
      expect(Array.from(restored.get(name)?.state ?? []), name).toEqual(Array.from(det.state));
  });

  it('state saved by the detector before the zero share (v3, fixture from commit 6da751b) restores and scores on', () => {
    const fx = JSON.parse(
      readFileSync(new URL('./fixtures/anomaly-state-v3.json', import.meta.url), 'utf8'),
    ) as {
      state: string;
      continuation: Record<string, { values: number[]; scores: number[] }>;
    };
    const b = anomalyAnalytics();
    expect(b.importState(fx.state)).toBe(3);
    const states = new Map(decodeDetectorStates(fx.state));
    const scores = (name: string) => {
      const det = new AnomalyDetector(DEFAULT_DETECTOR_PARAMS, states.get(name));
      expect(det.count).toBe(3000);
      return (fx.continuation[name]?.values ?? []).map((v) => det.update(v));
    };
    // 10..70 never read 0 and 0.3 % of its scale was above the old floor: scored as the old detector did
    // (to float noise: the absolute 1e-9 the noise floor had is gone).
    const depth = scores('queue_depth');
    expect(maxDiff(depth, fx.continuation.queue_depth?.scores ?? [])).toBeLessThan(1e-8);
    // A series that read 0 keeps the old absolute floor (share 1, fading): its scores within 0.001 (the share learns 0.99).
    const errors = scores('errors');
    expect(maxDiff(errors, fx.continuation.errors?.scores ?? [])).toBeLessThan(1e-3);
    // Seconds (0.002, never 0): now scale-free; the 3x jump at point 200 still scores 1, the points before stay low.
    const secs = scores('latency_s');
    expect(secs[200]).toBe(1);
    expect(Math.max(...secs.slice(0, 200))).toBeLessThan(0.995);
    // Saved again in the current form, under the budget.
    for (const b64 of Object.values(JSON.parse(b.exportState()).series as Record<string, string>))
      expect(b64.length).toBeLessThan(8192);
  });
});

describe('the state codec', () => {
  it('packs every integer slot in its width and gives back the same float64s; a slot that does not fit is refused', () => {
    const layout = detectorStateLayout();
    const r = prng(1);
    const state = new Float64Array(802);
    for (let i = 0; i < 31; i++) state[i] = r.n() * 1e6;
    for (let i = 31; i < 63; i++) state[i] = Math.floor(r.u() * 2 ** 32);
    for (let i = 63; i < 585; i++) state[i] = r.n();
    for (let i = 585; i < 799; i++) state[i] = Math.floor(r.u() * 2 ** 48);
    state[0] = Number.MIN_VALUE;
    state[1] = -0;
    state[31] = 2 ** 32 - 1;
    state[798] = 2 ** 48 - 1;
    state[799] = r.u(); // the zero share
    state[800] = -3; // the excursion run (readings in a row below the range)
    state[801] = r.n(); // the range's bound before it
    const packed = packState(state, layout) as Uint8Array;
    expect(packed.byteLength).toBe(31 * 8 + 32 * 4 + 522 * 8 + 214 * 6 + 3 * 8);
    const back = unpackState(packed, layout) as Float64Array;
    expect(Buffer.from(back.buffer).equals(Buffer.from(state.buffer))).toBe(true);
    state[40] = 2 ** 32;
    expect(packState(state, layout)).toBeNull();
    state[40] = 1.5;
    expect(packState(state, layout)).toBeNull();
    expect(unpackState(packed.subarray(1), layout)).toBeNull();
  });
});
