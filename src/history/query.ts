// History queries: a period read from a store, downsampled to its steps (one instance) or merged across instances (the fleet view).

import { SysvitalsError } from '../errors.js';
import { LatencyCounts } from '../latency/latency-counts.js';
import { errorMessage } from '../logger.js';
import type { HistoryPeriod } from './periods.js';
import { historyWindow } from './periods.js';
import type { HistoryPoint, HistoryPointView, HistoryResult } from './point.js';
import { PointMerger } from './point-merger.js';

export interface DownsampleOptions {
  period: HistoryPeriod;
  /** Query time, epoch ms. */
  now: number;
  /** The store's bucket resolution; steps are never finer. Default 60 s. */
  resolutionMs?: number;
  /** Echoed in the result; default 'local'. */
  instance?: string;
}

type Series =
  | ReadonlyMap<string, readonly HistoryPoint[]>
  | Readonly<Record<string, readonly HistoryPoint[]>>;

function entries(series: Series): [string, readonly HistoryPoint[]][] {
  return series instanceof Map ? [...series.entries()] : Object.entries(series);
}

/**
 * Merged steps remembered between queries. A finished step's points no longer change, and decoding
 * their histograms is nearly all the cost of a query (the fleet 7d view decodes 336 × instances), so a
 * dashboard that polls pays only for the steps that changed. A step is reused only when the same
 * points (instance, t, samples, seconds covered, requests, histogram length, cpu) make it up.
 */
export class StepCache {
  private readonly scopes = new Map<string, Map<number, { fp: string; view: HistoryPointView }>>();

  constructor(private readonly maxScopes = 32) {}

  scope(key: string, startMs: number): Map<number, { fp: string; view: HistoryPointView }> {
    let scope = this.scopes.get(key);
    if (scope) this.scopes.delete(key);
    else scope = new Map();
    this.scopes.set(key, scope); // most recently used last
    if (this.scopes.size > this.maxScopes) this.scopes.delete(this.scopes.keys().next().value!);
    for (const t of scope.keys()) if (t < startMs) scope.delete(t);
    return scope;
  }
}

function fingerprint(bucket: [string, HistoryPoint][]): string {
  const parts = bucket.map(
    ([id, p]) =>
      `${id}\u0001${p.t}\u0001${p.samples}\u0001${p.covered_seconds}\u0001${p.requests}\u0001${p.histogram.length}\u0001${p.cpu_avg_percent}`,
  );
  return parts.sort().join('\u0002');
}

function merge(
  series: [string, readonly HistoryPoint[]][],
  opts: DownsampleOptions,
  instance: string,
  cache?: StepCache,
) {
  const w = historyWindow(opts.period, opts.now, opts.resolutionMs);
  const buckets: ([string, HistoryPoint][] | undefined)[] = new Array(w.steps);
  const contributors: string[] = [];
  for (const [id, points] of series) {
    let contributed = false;
    for (const p of points) {
      if (!(p.t >= w.startMs && p.t < w.endMs)) continue;
      const i = Math.floor((p.t - w.startMs) / w.stepMs);
      const bucket = buckets[i];
      if (bucket) bucket.push([id, p]);
      else buckets[i] = [[id, p]];
      contributed = true;
    }
    if (contributed) contributors.push(id);
  }
  const scope = cache?.scope(`${instance}\u0000${w.stepMs}`, w.startMs);
  const counts = new LatencyCounts();
  const points: HistoryPointView[] = [];
  for (let i = 0; i < w.steps; i++) {
    const bucket = buckets[i];
    if (!bucket) continue;
    const t = w.startMs + i * w.stepMs;
    const fp = scope && bucket.length > 1 ? fingerprint(bucket) : undefined;
    const hit = fp === undefined ? undefined : scope?.get(t);
    if (hit && hit.fp === fp) {
      points.push({ ...hit.view });
      continue;
    }
    const m = new PointMerger(counts);
    for (const [id, p] of bucket) m.add(p, id);
    const view = m.toView(t, w.stepMs);
    if (fp !== undefined) scope?.set(t, { fp, view: { ...view } });
    points.push(view);
  }
  const result: HistoryResult = {
    period: opts.period,
    start: new Date(w.startMs).toISOString(),
    end: new Date(w.endMs).toISOString(),
    step_seconds: w.stepMs / 1000,
    instance,
    points,
  };
  return { result, contributors };
}

/**
 * One instance's points (any order; raw buckets or pre-merged rollups) → the period's steps, oldest
 * first, at most a few hundred, without the encoded histograms. Steps with no point are omitted.
 */
export function downsample(
  points: readonly HistoryPoint[],
  opts: DownsampleOptions,
  cache?: StepCache,
): HistoryResult {
  return merge([['', points]], opts, opts.instance ?? 'local', cache).result;
}

/**
 * The fleet view: every instance's points merged step by step. Requests, errors and WebSocket
 * connections are summed and histograms merged (fleet-wide percentiles); host metrics are averaged
 * across the instances present in the step, maxima are the fleet's maxima.
 */
export function mergeInstances(series: Series, opts: DownsampleOptions, cache?: StepCache): HistoryResult {
  const { result, contributors } = merge(entries(series), opts, opts.instance ?? 'all', cache);
  result.instances = contributors.sort();
  return result;
}

/** What a query needs from a store (see src/stores/store.ts). */
export interface HistoryReader {
  readPoints(instance: string, fromMs: number, toMs: number, stepMs?: number): Promise<HistoryPoint[]>;
  readAllInstances(fromMs: number, toMs: number, stepMs?: number): Promise<Map<string, HistoryPoint[]>>;
}

export interface HistoryQuery {
  period: HistoryPeriod;
  /** An instance id, or 'all' for the fleet view. */
  instance: string;
  now: number;
  resolutionMs?: number;
}

const caches = new WeakMap<HistoryReader, StepCache>();

/**
 * Reads the period from a store (its rollups where it keeps them) and downsamples it. Merged steps
 * are cached per store between calls (see StepCache); the answer is the same with or without.
 */
export async function queryHistory(store: HistoryReader, q: HistoryQuery): Promise<HistoryResult> {
  const w = historyWindow(q.period, q.now, q.resolutionMs);
  const opts: DownsampleOptions = { period: q.period, now: q.now, resolutionMs: q.resolutionMs };
  let cache = caches.get(store);
  if (!cache) {
    cache = new StepCache();
    caches.set(store, cache);
  }
  if (q.instance === 'all') {
    const series = await readStore(() => store.readAllInstances(w.startMs, w.endMs, w.stepMs));
    return mergeInstances(series, opts, cache);
  }
  const points = await readStore(() => store.readPoints(q.instance, w.startMs, w.endMs, w.stepMs));
  return downsample(points, { ...opts, instance: q.instance }, cache);
}

/**
 * A store that cannot be read (Redis down or frozen) is a dependency outage, not a bug of ours: it
 * becomes ERR_SYSVITALS_STORE, which the admin API answers with 503 and Retry-After instead of 500.
 */
async function readStore<T>(read: () => Promise<T>): Promise<T> {
  try {
    return await read();
  } catch (err) {
    if (err instanceof SysvitalsError) throw err; // ERR_SYSVITALS_CLOSED and the like keep their code
    throw new SysvitalsError('ERR_SYSVITALS_STORE', `history store unavailable: ${errorMessage(err)}`);
  }
}
