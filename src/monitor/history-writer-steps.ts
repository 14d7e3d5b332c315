// Small steps of the history writer (history-writer.ts): the warm-up's read of an encoded histogram, whether a
// bucket's custom metrics moved, a bounded wait, and the route totals of the one-minute route series.

import type { CustomBucketEntry } from '../custom/index.js';
import { createHistogram, encodeHistogram } from '../latency/histogram.js';
import { LatencyCounts } from '../latency/latency-counts.js';
import { type RouteTotals, routeKey } from '../profiling/series-history.js';
import type { RequestStats } from '../requests/requests.js';

/**
 * The store's rollup reads each new point's histogram back (LatencyCounts: pako's inflate, src/latency/deflate.ts): once
 * in the warm-up, so that its code is compiled before the flush (the deflate is compiled by warmHistogramSteps'
 * encode).
 */
export function readEncodedOnce(): void {
  const h = createHistogram();
  h.recordValue(1000);
  new LatencyCounts().addEncoded(encodeHistogram(h));
}

/** True when a counter moved or a histogram recorded in the bucket: worth a point even without samples. */
export function hasCustomFigures(custom: ReadonlyMap<string, CustomBucketEntry>): boolean {
  for (const e of custom.values()) {
    if (e.type === 'counter' ? e.increase > 0 : e.histogram.totalCount > 0) return true;
  }
  return false;
}

/** Waits for `promise` to settle, at most `ms` (an unref'd timer); never rejects. */
export async function settledWithin(promise: Promise<unknown>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const waited = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, ms);
    timer.unref();
  });
  try {
    await Promise.race([promise.catch(() => undefined), waited]);
  } finally {
    clearTimeout(timer);
  }
}

/** Requests since start per `METHOD route` (for the one-minute route series). */
export function routeSeriesTotals(requests: RequestStats): Map<string, RouteTotals> {
  const out = new Map<string, RouteTotals>();
  const get = (method: string, route: string) => {
    const key = routeKey(method, route);
    let t = out.get(key);
    if (t === undefined) {
      t = { count: 0, count_5xx: 0, count_aborted: 0, count_aborted_failed: 0 };
      out.set(key, t);
    }
    return t;
  };
  for (const r of requests.routeTotals()) {
    const t = get(r.method, r.route);
    t.count += r.count;
    if (r.status_class === '5xx') t.count_5xx += r.count;
  }
  for (const a of requests.abortedTotals()) {
    const t = get(a.method, a.route);
    t.count_aborted += a.count;
    t.count_aborted_failed = (t.count_aborted_failed ?? 0) + a.failed;
  }
  return out;
}

/** The coverage clock's reading (monotonic ms), NaN when there is none, it throws or reads no finite number. */
export function readCoverageClock(c: { now(): number } | undefined): number {
  if (c === undefined) return Number.NaN;
  try {
    const v = c.now();
    return Number.isFinite(v) ? v : Number.NaN;
  } catch {
    return Number.NaN;
  }
}
