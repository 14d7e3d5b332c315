// A custom gauge: set/inc/dec per label set, or a callback read at each snapshot. The callback runs
// inside the collection, so it must be synchronous and cheap; a throw is caught and shown as the
// gauge's `error` (the last values are kept), never passed on. Each reading is the gauge's whole state: a label set
// the callback no longer returns is dropped and its place freed. set/inc/dec never throw: an amount that is not a
// finite number (a string, a bigint, null, NaN), or an inc/dec that would take the value past the largest double,
// is ignored and counted in `dropped`.

import { errorMessage } from '../logger.js';
import { isLabelSet, LabelSets, type LabelValues } from './label-sets.js';
import {
  checkMetricName,
  invalidMetric,
  type MetricOptionsBase,
  type ParsedBase,
  parseBase,
} from './names.js';
import type { GaugeSnapshot } from './types.js';

/** What a gauge callback returns: one value, or values per label set. */
export type GaugeReading = number | ReadonlyArray<{ labels: LabelValues; value: number }>;

/** Options of `monitor.gauge(name, options)`; `collect` makes it a callback gauge. */
export interface GaugeOptions extends MetricOptionsBase {
  /** Read at each snapshot instead of set/inc/dec. Synchronous. */
  collect?: () => GaugeReading;
}

class GaugeCell {
  value = 0;
  /** Amounts ignored: not a finite number. */
  dropped = 0;
  // Number.isFinite is false for anything but a finite number: no string concatenation, no bigint throw.
  set(v: unknown): void {
    if (Number.isFinite(v)) this.value = v as number;
    else this.dropped++;
  }
  // An amount that would take the value past the largest double (to ±Infinity: `null` in JSON) is ignored too.
  // (Number.isFinite(n) first: a bigint amount would throw in the addition.)
  inc(n: unknown = 1): void {
    if (Number.isFinite(n) && Number.isFinite(this.value + (n as number))) this.value += n as number;
    else this.dropped++;
  }
  dec(n: unknown = 1): void {
    if (Number.isFinite(n) && Number.isFinite(this.value - (n as number))) this.value -= n as number;
    else this.dropped++;
  }
}

/** A gauge bound to one label set (from `gauge.labels({...})`). */
export interface BoundGauge {
  /** Sets the value; non-finite values are ignored. */
  set(value: number): void;
  /** Adds `n` (default 1); non-finite amounts, and one that would make the value non-finite, are ignored. */
  inc(n?: number): void;
  /** Subtracts `n` (default 1); non-finite amounts, and one that would make the value non-finite, are ignored. */
  dec(n?: number): void;
}

/** A custom gauge (`monitor.gauge()`): a value per label set that goes up and down, or a callback read at each snapshot. */
export class Gauge {
  readonly type = 'gauge' as const;
  readonly name: string;
  /** @internal */
  readonly config: ParsedBase;
  private readonly collectFn: (() => GaugeReading) | undefined;
  /**
   * The callback is sysvitals' own pure derivation (a cluster aggregator's sum of its workers' reported values), run
   * by reads too; a user's collect() runs at samples only. @internal
   */
  derived = false;
  private readonly sets: LabelSets<GaugeCell>;
  private error: string | undefined;
  /** Calls whose label values could not be read (a getter or toString that throws): ignored, counted. */
  private failed = 0;
  /** What label sets since dropped by a reading had ignored (their `dropped`), still counted. */
  private goneDropped = 0;
  /** A collect() gauge's callback returned a reading (until then it reads `null`: nothing was read, not 0). */
  private hasReading = false;

  constructor(name: string, options?: GaugeOptions) {
    this.name = checkMetricName(name, 'gauge');
    const parsed = parseBase(name, 'gauge', options, ['collect']);
    if (parsed.collect !== undefined && typeof parsed.collect !== 'function') {
      throw invalidMetric(`gauge \`${name}\`: \`collect\` must be a function returning a number.`);
    }
    this.collectFn = parsed.collect as (() => GaugeReading) | undefined;
    this.config = Object.freeze({
      help: parsed.help,
      labels: parsed.labels,
      maxLabelSets: parsed.maxLabelSets,
    });
    this.sets = new LabelSets(this.config.labels, this.config.maxLabelSets, () => new GaugeCell());
  }

  /** Sets the value: `set(3)` or `set({ queue: 'email' }, 3)`; non-finite values are ignored (counted). */
  set(labelsOrValue: LabelValues | number, value?: number): void {
    try {
      if (isLabelSet(labelsOrValue)) this.sets.get(labelsOrValue).set(value);
      else this.sets.get(undefined).set(labelsOrValue);
    } catch {
      this.failed++;
    }
  }

  /** Adds `n` (default 1): `inc()`, `inc(5)`, `inc({ queue: 'email' })`, `inc({ queue: 'email' }, 5)`. */
  inc(labelsOrN?: LabelValues | number, n?: number): void {
    try {
      if (isLabelSet(labelsOrN)) this.sets.get(labelsOrN).inc(n);
      else this.sets.get(undefined).inc(labelsOrN);
    } catch {
      this.failed++;
    }
  }

  /** Subtracts `n` (default 1), same forms as `inc`. */
  dec(labelsOrN?: LabelValues | number, n?: number): void {
    try {
      if (isLabelSet(labelsOrN)) this.sets.get(labelsOrN).dec(n);
      else this.sets.get(undefined).dec(labelsOrN);
    } catch {
      this.failed++;
    }
  }

  /** Recordings ignored since start: bad amounts, and label values that threw when read (`dropped_observations`). */
  get dropped(): number {
    return this.failed + this.goneDropped + this.sets.dropped();
  }

  /** The gauge of one label set, looked up once. */
  labels(values: LabelValues): BoundGauge {
    return this.sets.get(values);
  }

  /**
   * Current values per label set and their sum; with `collect` (a sample's), runs the `collect` callback first if
   * there is one, else the values are those it last returned (a read calls no application code).
   */
  snapshot(collect = true): GaugeSnapshot {
    if ((collect || this.derived) && this.collectFn) this.read(this.collectFn);
    let value = 0;
    const series = this.unread
      ? []
      : this.sets.slots.map(({ labels, value: c }) => {
          value += c.value;
          return { labels: { ...labels }, value: c.value };
        });
    const out: GaugeSnapshot = {
      type: 'gauge',
      help: this.config.help,
      labels: [...this.config.labels],
      value: this.unread ? null : value,
      series,
    };
    if (this.error !== undefined) out.error = this.error;
    return out;
  }

  /** Current values per label set as last set or collected, without running `collect` (cluster reports). */
  values(): { labels: Record<string, string>; value: number }[] {
    if (this.unread) return [];
    return this.sets.slots.map(({ labels, value: c }) => ({ labels, value: c.value }));
  }

  /** A collect() gauge whose callback has not returned a reading yet (before the first sample, or it threw). */
  private get unread(): boolean {
    return this.collectFn !== undefined && !this.hasReading;
  }

  /**
   * One reading is the gauge's whole state (as prom-client's collect() that resets, then sets): a label set it
   * no longer returns is dropped (from the sum, the series and every surface) and its place under maxLabelSets
   * freed before the new sets take theirs. A set returned with a value that is not a finite number keeps its last
   * value (shown as `error`), as a callback that throws or returns no reading keeps every last value.
   */
  private read(fn: () => GaugeReading): void {
    try {
      const r = fn();
      // A cluster's sum of its workers' values when none was reported yet (custom-merge.ts): nothing read.
      if ((r as unknown) === null && this.derived) {
        this.hasReading = false;
        this.error = undefined;
        return;
      }
      if (typeof r === 'number' && Number.isFinite(r)) {
        this.hasReading = true;
        this.prune(new Set([this.sets.find(undefined)]));
        this.sets.get(undefined).set(r);
      } else if (Array.isArray(r)) {
        this.hasReading = true;
        const items = r.map((item) => {
          const entry = item !== null && typeof item === 'object';
          return { entry, labels: entry ? item.labels : undefined, value: item?.value as unknown };
        });
        // The sets this reading returns that exist: every other one goes, then the values are set.
        this.prune(new Set(items.map((x) => (x.entry ? this.sets.find(x.labels) : undefined))));
        let bad: unknown;
        let badSeen = false;
        for (const { labels, value } of items) {
          if (typeof value === 'number' && Number.isFinite(value)) this.sets.get(labels).set(value);
          else if (!badSeen) {
            badSeen = true;
            bad = value;
          }
        }
        // The good readings are kept; a skipped one is not silent.
        if (badSeen) throw new Error(`collect() returned a value of ${describe(bad)}, not a finite number`);
      } else {
        throw new Error(`collect() returned ${describe(r)}, not a finite number`);
      }
      this.error = undefined;
    } catch (err) {
      this.error = errorMessage(err);
    }
  }

  /** Drops the label sets not in `keep` (an unlabelled gauge's one series reads 0 instead). */
  private prune(keep: ReadonlySet<GaugeCell | undefined>): void {
    if (this.config.labels.length === 0) {
      const only = this.sets.get(undefined);
      if (!keep.has(only)) only.value = 0;
      return;
    }
    for (const gone of this.sets.retain(keep)) this.goneDropped += gone.dropped;
  }
}

/** A reading that is not a finite number, named for the error message (`NaN`, `Infinity`, `null`, `string`). */
function describe(v: unknown): string {
  if (typeof v === 'number') return String(v);
  return v === null ? 'null' : typeof v;
}
