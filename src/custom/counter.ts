// A custom counter: monotonic totals per label set, an increase per second between snapshots (from the
// counter's creation for the first), and the increase per history bucket. inc() is O(1) and never throws: an
// amount that is not a number (a string, a bigint, null), negative or infinite is ignored and counted in
// `dropped` (OpenTelemetry's SDK ignores a non-number too; prom-client throws, which we never do), and so is a
// finite amount that would take the counter's total over all its label sets past the largest double (to
// Infinity, which JSON cannot carry and Prometheus would show as `+Inf` for ever): every series and their sum
// stay finite (outside review 6, F12).

import { SteadyTime } from '../requests/steady-clock.js';
import { isLabelSet, LabelSets, type LabelValues } from './label-sets.js';
import { checkMetricName, type MetricOptionsBase, type ParsedBase, parseBase } from './names.js';
import { roundSig } from './precision.js';
import type { CounterSnapshot } from './types.js';

/** Options of `monitor.counter(name, options)`: help text, label names, label-set bound. */
export type CounterOptions = MetricOptionsBase;

/** The counter's total over all its label sets, shared by its cells: what an increment must keep finite. */
interface CounterSum {
  total: number;
}

class CounterCell {
  total = 0;
  /** The total at the counter's last rate base (0 for a label set created since: it started from 0). */
  lastTotal = 0;
  /** Increase per second over the last interval; null until one interval has passed. */
  rate: number | null = null;
  bucketBase = 0;
  /** Amounts ignored: not a number, negative, NaN or infinite, or one that would make the counter's sum infinite. */
  dropped = 0;

  constructor(private readonly sum: CounterSum) {}

  inc(n: unknown = 1): void {
    // typeof first: `total += '100'` would turn the total into a string, and a bigint would throw. NaN fails
    // `n >= 0`; an infinite amount, or a finite one past what the sum can hold, makes the sum Infinity. Each
    // series is at most the sum, so it stays finite too.
    if (typeof n === 'number' && n >= 0 && this.sum.total + n !== Number.POSITIVE_INFINITY) {
      this.total += n;
      this.sum.total += n;
    } else this.dropped++;
  }
}

/** A counter bound to one label set (from `counter.labels({...})`): the cheapest way to record. */
export interface BoundCounter {
  /**
   * Adds `n` (default 1); an amount that is not a number, or is negative or non-finite, or would make the counter's
   * total over its label sets non-finite, is ignored (counted).
   */
  inc(n?: number): void;
}

/** A monotonic custom counter (`monitor.counter()`): totals per label set and an increase per second. */
export class Counter {
  readonly type = 'counter' as const;
  readonly name: string;
  /** @internal */
  readonly config: ParsedBase;
  private readonly sets: LabelSets<CounterCell>;
  /** When the rates were last based: the counter's creation (when known), then each rate update. */
  private baseAt: number;
  /** Whether one rate interval has passed. */
  private timed = false;
  private readonly time = new SteadyTime();
  /** Calls whose label values could not be read (a getter or toString that throws): ignored, counted. */
  private failed = 0;
  /** The total over all label sets (kept finite: CounterCell.inc). */
  private readonly sum: CounterSum = { total: 0 };

  /** `startedAt`: when the counter was created (epoch ms), the start of its first rate interval. */
  constructor(name: string, options?: CounterOptions, startedAt = Number.NaN) {
    this.name = checkMetricName(name, 'counter');
    this.config = parseBase(name, 'counter', options);
    this.baseAt = Number.isFinite(startedAt) ? this.time.view(startedAt) : Number.NaN;
    this.sets = new LabelSets(this.config.labels, this.config.maxLabelSets, () => new CounterCell(this.sum));
  }

  /**
   * Adds `n` (default 1): `inc()`, `inc(5)`, `inc({ queue: 'email' })`, `inc({ queue: 'email' }, 5)`. Only an
   * object is a label set: `inc('2')` is an amount that is not a number, ignored and counted in `dropped`.
   */
  inc(labelsOrN?: LabelValues | number, n?: number): void {
    try {
      if (isLabelSet(labelsOrN)) this.sets.get(labelsOrN).inc(n);
      else this.sets.get(undefined).inc(labelsOrN);
    } catch {
      this.failed++;
    }
  }

  /** Recordings ignored since start: bad amounts, and label values that threw when read (`dropped_observations`). */
  get dropped(): number {
    return this.failed + this.sets.dropped();
  }

  /** The counter of one label set, looked up once. */
  labels(values: LabelValues): BoundCounter {
    return this.sets.get(values);
  }

  /**
   * Totals, and the rate over the interval since the previous rate update (at least a second earlier),
   * the first from the counter's creation. Every label set's rate covers the same interval: one created
   * during it counted from 0, and one created after it has a null rate until the next update (it adds 0
   * to the sum). `rate_per_second` is null while no interval is known (a counter built without
   * `startedAt`, before its second snapshot). Only a sample (`close`, the default) updates the rates: a read
   * (`close` false) shows the last interval a sample ended and changes nothing, or, before the first, the
   * increase since the counter's creation (once a second has passed), so rates never depend on who reads.
   */
  snapshot(now: number, close = true): CounterSnapshot {
    // The clock read as a monotonic view: a step back is not an interval of negative or shortened length.
    const steady = this.time.view(now);
    const dt = (steady - this.baseAt) / 1000;
    const update = Number.isNaN(this.baseAt) || dt >= 1;
    // A read before any interval ended: the open one, computed without being ended.
    const open = !close && !this.timed && update && !Number.isNaN(this.baseAt);
    let rate = 0;
    const rateOf = (c: CounterCell): number | null => (open ? (c.total - c.lastTotal) / dt : c.rate);
    if (close && update) {
      for (const { value: c } of this.sets.slots) {
        if (!Number.isNaN(this.baseAt)) c.rate = (c.total - c.lastTotal) / dt;
        c.lastTotal = c.total;
      }
      if (!Number.isNaN(this.baseAt)) this.timed = true;
      this.baseAt = steady;
    }
    const series = this.sets.slots.map(({ labels, value: c }) => {
      // A label set created during the interval since has no rate yet; it was 0 over the last one.
      const r = rateOf(c);
      rate += r ?? 0;
      return { labels: { ...labels }, value: c.total, rate_per_second: r === null ? null : roundSig(r) };
    });
    return {
      type: 'counter',
      help: this.config.help,
      labels: [...this.config.labels],
      // The sum the increments kept finite (summing the series again, in another order, could round past it).
      value: this.sum.total,
      // Relative precision (6 significant digits): 0.00028/s is not 0 (outside review 18, F5).
      rate_per_second: this.timed || open ? roundSig(rate) : null,
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

  /**
   * Cluster mode: adds another process's increase to one label set. With `window` false (totals a
   * previous aggregator already served) it counts in the totals only: no rate, no history bucket.
   * @internal
   */
  absorb(values: LabelValues, n: number, window: boolean): void {
    // As inc(): an increase that would make the cluster's sum infinite is not added (nor counted: each process's
    // dropped count is its own, and the process that sent it accepted it).
    if (!(n > 0) || this.sum.total + n === Number.POSITIVE_INFINITY) return;
    const c = this.sets.get(values);
    c.total += n;
    this.sum.total += n;
    if (!window) {
      c.bucketBase += n;
      c.lastTotal += n;
    }
  }

  /** Since-start totals per label set (Prometheus). */
  totals(): { labels: Record<string, string>; value: number }[] {
    return this.sets.slots.map(({ labels, value: c }) => ({ labels, value: c.total }));
  }
}
