// A custom counter: monotonic totals per label set, an increase per second between snapshots, and the
// increase per history bucket. inc() is O(1), never throws, and ignores negative or non-finite amounts.

import { round } from '../alerts/status.js';
import { LabelSets, type LabelValues } from './label-sets.js';
import { checkMetricName, type MetricOptionsBase, type ParsedBase, parseBase } from './names.js';
import type { CounterSnapshot } from './types.js';

/** Options of `monitor.counter(name, options)`: help text, label names, label-set bound. */
export type CounterOptions = MetricOptionsBase;

class CounterCell {
  total = 0;
  lastTotal = 0;
  lastAt = Number.NaN;
  rate = 0;
  bucketBase = 0;

  inc(n = 1): void {
    if (n >= 0 && n !== Number.POSITIVE_INFINITY) this.total += n;
  }
}

/** A counter bound to one label set (from `counter.labels({...})`): the cheapest way to record. */
export interface BoundCounter {
  /** Adds `n` (default 1); negative or non-finite amounts are ignored. */
  inc(n?: number): void;
}

/** A monotonic custom counter (`monitor.counter()`): totals per label set and an increase per second. */
export class Counter {
  readonly type = 'counter' as const;
  readonly name: string;
  readonly config: ParsedBase;
  private readonly sets: LabelSets<CounterCell>;

  constructor(name: string, options?: CounterOptions) {
    this.name = checkMetricName(name, 'counter');
    this.config = parseBase(name, 'counter', options);
    this.sets = new LabelSets(this.config.labels, this.config.maxLabelSets, () => new CounterCell());
  }

  /** Adds `n` (default 1): `inc()`, `inc(5)`, `inc({ queue: 'email' })`, `inc({ queue: 'email' }, 5)`. */
  inc(labelsOrN?: LabelValues | number, n?: number): void {
    if (typeof labelsOrN === 'number' || labelsOrN === undefined) this.sets.get(undefined).inc(labelsOrN);
    else this.sets.get(labelsOrN).inc(n);
  }

  /** The counter of one label set, looked up once. */
  labels(values: LabelValues): BoundCounter {
    return this.sets.get(values);
  }

  /** Totals, and the rate since the previous snapshot taken at least a second earlier. */
  snapshot(now: number): CounterSnapshot {
    let value = 0;
    let rate = 0;
    const series = this.sets.slots.map(({ labels, value: c }) => {
      const dt = (now - c.lastAt) / 1000;
      if (Number.isNaN(c.lastAt)) {
        c.lastAt = now;
        c.lastTotal = c.total;
      } else if (dt >= 1) {
        c.rate = (c.total - c.lastTotal) / dt;
        c.lastAt = now;
        c.lastTotal = c.total;
      }
      value += c.total;
      rate += c.rate;
      return { labels: { ...labels }, value: c.total, rate_per_second: round(c.rate, 3) };
    });
    return {
      type: 'counter',
      help: this.config.help,
      labels: [...this.config.labels],
      value,
      rate_per_second: round(rate, 3),
      series,
    };
  }

  /** The increase of each label set since the previous call (one history bucket), by series key. */
  takeBucket(): { labels: Record<string, string>; increase: number }[] {
    return this.sets.slots.map(({ labels, value: c }) => {
      const increase = c.total - c.bucketBase;
      c.bucketBase = c.total;
      return { labels, increase };
    });
  }

  /** Since-start totals per label set (Prometheus). */
  totals(): { labels: Record<string, string>; value: number }[] {
    return this.sets.slots.map(({ labels, value: c }) => ({ labels, value: c.total }));
  }
}
