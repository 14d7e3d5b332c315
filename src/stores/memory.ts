// MemoryStore: the default store. Keeps the retention (7 days of one-minute points) in process memory.

import { SysvitalsError } from '../errors.js';
import {
  DEFAULT_RESOLUTION_MS,
  DEFAULT_RETENTION_MS,
  retentionCutoff,
  retentionKeepMs,
  rollupKeepMs,
  rollupSteps,
} from '../history/periods.js';
import type { HistoryPoint } from '../history/point.js';
import { clockOption } from '../options/clock.js';
import { rejectUnknownOptions } from '../options/option-keys.js';
import type { Clock } from '../types.js';
import { positive, wholeMs } from './options.js';
import { RollupTracker } from './rollup.js';
import type { MetricsStore, StoredAlertRecord } from './store.js';

/** Options of a MemoryStore: retention, resolution, alert history size, clock. */
export interface MemoryStoreOptions {
  /** How long points are kept. @defaultValue 7 days */
  retentionMs?: number;
  /** The monitor's bucket length; bounds the point count and picks the rollup steps. @defaultValue 60 000 */
  resolutionMs?: number;
  /** Alert history bound. @defaultValue 1000 */
  alertLimit?: number;
  /** The time source (trims to the retention): a function returning ms, such as `() => t`, or an object with `now()`. @defaultValue Date.now */
  clock?: Clock | (() => number);
}

const KNOWN = ['retentionMs', 'resolutionMs', 'alertLimit', 'clock'] as const;

/** Points sorted by t in an array consumed from the front (a head index, compacted now and then). */
export class SortedPoints {
  private items: HistoryPoint[] = [];
  private head = 0;

  get size(): number {
    return this.items.length - this.head;
  }

  /** First index with t >= ms. */
  private lowerBound(ms: number): number {
    let lo = this.head;
    let hi = this.items.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.items[mid]!.t < ms) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  insert(p: HistoryPoint): void {
    const last = this.items[this.items.length - 1];
    if (this.size === 0 || (last && last.t <= p.t)) this.items.push(p);
    else this.items.splice(this.lowerBound(p.t + 1), 0, p);
  }

  /** Replaces `old` (found by identity, usually the last item) with `p`, or inserts `p`. */
  replace(old: HistoryPoint | null, p: HistoryPoint): void {
    if (old) {
      for (let i = this.items.length - 1; i >= this.head; i--) {
        if (this.items[i] === old) {
          if (old.t === p.t) {
            this.items[i] = p;
            return;
          }
          this.items.splice(i, 1);
          break;
        }
      }
    }
    this.insert(p);
  }

  /** Drops points older than `cutoff`, then the oldest beyond `maxCount`. */
  trim(cutoff: number, maxCount: number): void {
    this.head = Math.max(this.lowerBound(cutoff), this.items.length - maxCount, this.head);
    if (this.head > 1024 && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
  }

  range(fromMs: number, toMs: number): HistoryPoint[] {
    return this.items.slice(this.lowerBound(fromMs), this.lowerBound(toMs));
  }
}

interface Series {
  raw: SortedPoints;
  rollups: Map<number, SortedPoints>;
}

/** The default store: history points and alert history in this process's memory, lost on restart. */
export class MemoryStore implements MetricsStore {
  readonly retentionMs: number;
  readonly resolutionMs: number;
  readonly alertLimit: number;
  /** Points kept per instance and per rollup step: (retention + one 30-min step) / resolution (10 110 by default). */
  readonly maxPoints: number;
  private readonly clock: Clock;
  private readonly rollup: RollupTracker;
  private readonly series = new Map<string, Series>();
  private alerts: StoredAlertRecord[] = [];
  /** Named state blobs per instance (saveState). */
  private readonly states = new Map<string, string>();
  private closed = false;

  constructor(options: MemoryStoreOptions = {}) {
    rejectUnknownOptions(options, KNOWN, 'MemoryStore', { maxDistance: 3 });
    const max = Number.MAX_SAFE_INTEGER;
    this.retentionMs = wholeMs('MemoryStore', 'retentionMs', options.retentionMs, DEFAULT_RETENTION_MS, max);
    this.resolutionMs = wholeMs(
      'MemoryStore',
      'resolutionMs',
      options.resolutionMs,
      DEFAULT_RESOLUTION_MS,
      max,
    );
    this.alertLimit = positive('MemoryStore', 'alertLimit', options.alertLimit, 1000, true);
    this.clock = clockOption('MemoryStore', options.clock) ?? { now: () => Date.now() };
    this.maxPoints = Math.ceil(retentionKeepMs(this.retentionMs, this.resolutionMs) / this.resolutionMs);
    this.rollup = new RollupTracker(rollupSteps(this.resolutionMs));
  }

  async appendPoint(instance: string, point: HistoryPoint): Promise<void> {
    if (this.closed) return;
    let s = this.series.get(instance);
    if (!s) {
      s = {
        raw: new SortedPoints(),
        rollups: new Map(this.rollup.steps.map((st) => [st, new SortedPoints()])),
      };
      this.series.set(instance, s);
    }
    s.raw.insert(Object.freeze({ ...point }));
    for (const w of this.rollup.add(instance, point)) {
      s.rollups.get(w.stepMs)?.replace(w.replaces, Object.freeze(w.point));
    }
    this.trim();
  }

  private trim(): void {
    const now = this.clock.now();
    // Aligned down to the 7-day view's step: its oldest step is kept whole (outside review 37, RT37-9).
    const cutoff = retentionCutoff(now, this.retentionMs, this.resolutionMs);
    for (const [instance, s] of this.series) {
      s.raw.trim(cutoff, this.maxPoints);
      for (const [step, r] of s.rollups) {
        r.trim(Math.max(cutoff, now - rollupKeepMs(step, this.resolutionMs)), this.maxPoints);
      }
      if (s.raw.size === 0) {
        this.series.delete(instance);
        this.rollup.forget(instance);
      }
    }
  }

  private pick(s: Series, stepMs?: number): SortedPoints {
    return (stepMs !== undefined && s.rollups.get(stepMs)) || s.raw;
  }

  private assertOpen(): void {
    if (this.closed) throw new SysvitalsError('ERR_SYSVITALS_CLOSED', 'MemoryStore is closed.');
  }

  async readPoints(instance: string, fromMs: number, toMs: number, stepMs?: number): Promise<HistoryPoint[]> {
    this.assertOpen();
    const s = this.series.get(instance);
    return s ? this.pick(s, stepMs).range(fromMs, toMs) : [];
  }

  async readAllInstances(
    fromMs: number,
    toMs: number,
    stepMs?: number,
  ): Promise<Map<string, HistoryPoint[]>> {
    this.assertOpen();
    const out = new Map<string, HistoryPoint[]>();
    for (const [instance, s] of this.series) {
      const points = this.pick(s, stepMs).range(fromMs, toMs);
      if (points.length > 0) out.set(instance, points);
    }
    return out;
  }

  async appendAlert(record: StoredAlertRecord): Promise<void> {
    if (this.closed) return;
    this.alerts.push(structuredClone(record));
    if (this.alerts.length > this.alertLimit) this.alerts.shift();
  }

  async readAlerts(limit: number): Promise<StoredAlertRecord[]> {
    this.assertOpen();
    const n = Math.min(Math.max(0, Math.floor(limit)), this.alertLimit, this.alerts.length);
    const out: StoredAlertRecord[] = [];
    for (let i = this.alerts.length - 1; out.length < n; i--) out.push(structuredClone(this.alerts[i]!));
    return out;
  }

  async saveState(instance: string, name: string, value: string): Promise<void> {
    if (!this.closed) this.states.set(`${name}\u0000${instance}`, value);
  }

  async loadState(instance: string, name: string): Promise<string | null> {
    return this.states.get(`${name}\u0000${instance}`) ?? null;
  }

  async close(): Promise<void> {
    this.closed = true;
    this.states.clear();
    this.series.clear();
    this.alerts = [];
  }
}
