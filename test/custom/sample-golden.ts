// A fixed, seeded run of custom histograms through every reader (the `custom` snapshot, Prometheus text, the history
// bucket as history encodes it, the cluster's takeStates/windowStates), with an injected clock that crosses window
// rotations, a gap of more than two windows, label sets created late, cluster absorbs (timed, untimed, totals only)
// and absorbWindow. Its output was written to test/fixtures/custom-sample-golden.json by main's code before the
// incremental sample (outside review 18, F2); sample-cost.test.ts checks that it is unchanged.
import { createHash } from 'node:crypto';
import type { HistogramDelta } from '../../src/custom/histogram-delta.js';
import { roundSig } from '../../src/custom/precision.js';
import { CustomMetrics } from '../../src/custom/registry.js';
import { renderCustom } from '../../src/http/prometheus/custom.js';
import { escapeLabelValue, formatValue } from '../../src/http/prometheus/render.js';
import { hdrLibrary } from '../../src/latency/histogram.js';

/** Counts of a since-start histogram by slot, as the cluster reads them. */
function slots(h: {
  forEach?(fn: (s: number, c: number) => void): void;
  totalCount: number;
  maxValue: number;
  minNonZeroValue: number;
}) {
  const out: number[] = [];
  h.forEach?.((s, c) => {
    out.push(s, c);
  });
  return { n: h.totalCount, max: h.maxValue, min: h.minNonZeroValue, slots: out };
}

/**
 * The counts a history bucket's encoding decodes to, [index, count] for each non-empty index: the golden holds what
 * is stored, not its bytes (the deflate's bytes changed with pako, issue 18; the counts are the oracle).
 */
function countsOf(encoded: string): number[] {
  const h = hdrLibrary().decodeFromCompressedBase64(encoded, 32, false) as unknown as {
    maxValue: number;
    countsArrayIndex(value: number): number;
    getCountAtIndex(index: number): number;
  };
  const out: number[] = [];
  for (let i = 0, end = h.countsArrayIndex(h.maxValue); i <= end; i++) {
    const c = h.getCountAtIndex(i);
    if (c !== 0) out.push(i, c);
  }
  return out;
}

export function goldenRun(): { steps: string[]; final: string } {
  let seed = 12345;
  const rnd = () => {
    seed = (seed * 16807) % 2147483647;
    return seed / 2147483647;
  };
  const t0 = Date.UTC(2026, 0, 1, 12, 0, 0);
  const reg = new CustomMetrics(60_000, 100, () => t0);
  const spread = reg.histogram('spread', { help: 'spread', labels: ['tenant'], buckets: [1, 100, 1e4, 1e6] });
  const narrow = reg.histogram('narrow', { help: 'narrow', labels: ['tenant', 'kind'] });
  const plain = reg.histogram('plain', { help: 'plain' });
  const cluster = reg.histogram('cluster', { help: 'cluster', labels: ['w'] });
  const steps: string[] = [];
  const digest = (x: unknown) => createHash('sha256').update(JSON.stringify(x)).digest('hex');
  let now = t0;
  const prom = () => {
    const out: string[] = [];
    renderCustom(out, reg.all(), 'sysvitals_', now, { escapeLabelValue, formatValue });
    return out.join('\n');
  };
  for (let step = 0; step < 120; step++) {
    // Clock: 5 s steps, one gap of 150 s (more than two windows) at step 60, a stand-still at step 90.
    now += step === 60 ? 150_000 : step === 90 ? 0 : 5_000;
    const sets = Math.min(20, 3 + step);
    for (let t = 0; t < sets; t++) {
      if ((t + step) % 7 === 3) continue; // some sets idle some samples
      const n = 1 + Math.floor(rnd() * 30);
      for (let i = 0; i < n; i++) spread.observe({ tenant: `t${t}` }, Math.exp(rnd() * 26) - 1);
      for (let i = 0; i < n; i++) narrow.observe({ tenant: `t${t % 5}`, kind: t % 2 ? 'a' : 'b' }, rnd() * 5);
    }
    if (step % 3 === 0) plain.observe(rnd() < 0.1 ? 0 : rnd() * 1000);
    if (step % 4 === 1) {
      const vals = [1 + Math.floor(rnd() * 9e5), 1000, 2 + Math.floor(rnd() * 5e8)];
      const d: HistogramDelta = {
        slots: vals.map(hdrIndex),
        counts: [2, 1, 3],
        min: Math.min(...vals),
        max: Math.max(...vals),
        sum: (2 * vals[0]! + vals[1]! + 3 * vals[2]!) / 1000,
        le: [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 6],
      };
      cluster.absorb({ w: `w${step % 3}` }, d, true, now - 20_000 * (step % 5), now);
      cluster.absorb({ w: 'untimed' }, d, true);
      cluster.absorb({ w: 'totals' }, d, false);
      if (step % 8 === 1) cluster.absorbWindow({ w: 'rebuilt' }, 60_000, 10_000, [d, d], now);
    }
    const { snap, text } = asBefore(reg.snapshot(now), prom());
    const record: Record<string, unknown> = { now, snap, text };
    if (step % 12 === 11) {
      const bucket = reg.takeBucket(now);
      const b: Record<string, unknown> = {};
      for (const [name, e] of bucket)
        if (e.type === 'histogram')
          b[name] = {
            sum: e.sum,
            n: e.histogram.totalCount,
            max: e.histogram.maxValue,
            min: e.histogram.minNonZeroValue,
            h:
              e.histogram.totalCount > 0
                ? countsOf(hdrLibrary().encodeIntoCompressedBase64(e.histogram))
                : '',
          };
      record.bucket = b;
    }
    if (step % 10 === 5) {
      record.states = [spread, cluster].map((m) =>
        m.takeStates(now).map((s) => ({ ...s, histogram: slots(s.histogram), buckets: [...s.buckets] })),
      );
      record.windows = [spread, narrow].map((m) => {
        const w = m.windowStates(now);
        return {
          ms: w.windowMs,
          series: w.series.map((s) => ({
            labels: s.labels,
            age: s.ageMs,
            slots: s.slots.map((x) => ({ sum: x.sum, h: slots(x.histogram as never) })),
          })),
        };
      });
    }
    steps.push(digest(record));
    if (step === 119) return { steps, final: `${JSON.stringify(snap)}\n${text}` };
  }
  throw new Error('unreachable');
}

/**
 * The readers as the code before wrote them, which rounded sums (JSON `sum`/`sum_total` to 12 significant digits,
 * Prometheus `_sum` to 1e-6) until outside review 31 (RT31-1) made them exact (exact-sums.test.ts holds that): the
 * golden still holds every other figure to the code before, and the sums to their value before the rounding.
 */
function asBefore(
  snap: Record<string, unknown>,
  text: string,
): { snap: Record<string, unknown>; text: string } {
  const round = (x: Record<string, unknown>) => {
    const out = { ...x };
    for (const k of ['sum', 'sum_total'])
      if (typeof out[k] === 'number') out[k] = roundSig(out[k] as number, 12);
    return out;
  };
  const before: Record<string, unknown> = {};
  for (const [name, m] of Object.entries(snap)) {
    const metric = m as Record<string, unknown> & { series?: Record<string, unknown>[] };
    before[name] =
      metric.type === 'histogram' ? { ...round(metric), series: metric.series?.map(round) } : metric;
  }
  const lines = text.split('\n').map((l) =>
    l.replace(/(_sum(?:\{.*\})?) (\S+)$/, (_, head: string, v: string) => {
      return `${head} ${formatValue(Math.round(Number(v) * 1e6) / 1e6)}`;
    }),
  );
  return { snap: before, text: lines.join('\n') };
}

function hdrIndex(v: number): number {
  const b = Math.max(0, 21 - Math.clz32(v));
  return (b << 10) + (v >>> b);
}
