// A custom gauge: set/inc/dec per label set, or a callback read at each snapshot. The callback runs
// inside the collection, so it must be synchronous and cheap; a throw is caught and shown as the
// gauge's `error` (the last values are kept), never passed on. Each reading is the gauge's whole state: a label set
// the callback no longer returns is dropped and its place freed. set/inc/dec never throw: an amount that is not a
// finite number (a string, a bigint, null, NaN), or an inc/dec that would take the value past the largest double,
// is ignored and counted in `dropped`. Sets past maxLabelSets fold into the all-`other` set, which reads the sum of
// what folded (gauge-fold.ts); two entries of one reading that name one label set are summed as well.

import { errorMessage } from '../logger.js';
import { catchRejection } from '../options/callback-result.js';
import { FoldCell, GaugeCell } from './gauge-fold.js';
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
  /** The sets whose last reading failed, showing their last value (`stale` in the snapshot: health.ts reads it). */
  private stale = new Set<GaugeCell>();
  /** Calls whose label values could not be read (a getter or toString that throws): ignored, counted. */
  private failed = 0;
  /** What label sets since dropped by a reading had ignored (their `dropped`), still counted. */
  private goneDropped = 0;
  /** A collect() gauge's callback returned a reading (until then it reads `null`: nothing was read, not 0). */
  private hasReading = false;
  /**
   * A derived gauge's failure (a cluster's: the workers whose collect() fails), set as its `error` at each
   * reading, so that a rule reading it is unknown in health as in one process. @internal
   */
  failing: (() => string | undefined) | undefined = undefined;

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
    this.sets = new LabelSets<GaugeCell>(
      this.config.labels,
      this.config.maxLabelSets,
      () => new GaugeCell(),
      () => new FoldCell(),
    );
  }

  /** Sets the value: `set(3)` or `set({ queue: 'email' }, 3)`; non-finite values are ignored (counted). */
  set(labelsOrValue: LabelValues | number, value?: number): void {
    try {
      if (!isLabelSet(labelsOrValue)) this.sets.get(undefined).set(labelsOrValue);
      else {
        const c = this.sets.get(labelsOrValue);
        if (c.fold) (c as FoldCell).setMember(this.sets.memberKey(labelsOrValue), value);
        else c.set(value);
      }
    } catch {
      this.failed++;
    }
  }

  /** Adds `n` (default 1): `inc()`, `inc(5)`, `inc({ queue: 'email' })`, `inc({ queue: 'email' }, 5)`. */
  inc(labelsOrN?: LabelValues | number, n?: number): void {
    try {
      if (!isLabelSet(labelsOrN)) this.sets.get(undefined).inc(labelsOrN);
      else {
        const c = this.sets.get(labelsOrN);
        if (c.fold) (c as FoldCell).addMember(this.sets.memberKey(labelsOrN), 1, n);
        else c.inc(n);
      }
    } catch {
      this.failed++;
    }
  }

  /** Subtracts `n` (default 1), same forms as `inc`. */
  dec(labelsOrN?: LabelValues | number, n?: number): void {
    try {
      if (!isLabelSet(labelsOrN)) this.sets.get(undefined).dec(labelsOrN);
      else {
        const c = this.sets.get(labelsOrN);
        if (c.fold) (c as FoldCell).addMember(this.sets.memberKey(labelsOrN), -1, n);
        else c.dec(n);
      }
    } catch {
      this.failed++;
    }
  }

  /** Recordings ignored since start: bad amounts, and label values that threw when read (`dropped_observations`). */
  get dropped(): number {
    return this.failed + this.goneDropped + this.sets.dropped();
  }

  /** The gauge of one label set, looked up once (a set that folded records as its own member of `other`). */
  labels(values: LabelValues): BoundGauge {
    const c = this.sets.get(values);
    return c.fold ? (c as FoldCell).member(this.sets.memberKey(values)) : c;
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
          const v = c.read();
          value += v;
          return this.stale.has(c)
            ? { labels: { ...labels }, value: v, stale: true as const }
            : { labels: { ...labels }, value: v };
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
    return this.sets.slots.map(({ labels, value: c }) => ({ labels, value: c.read() }));
  }

  /**
   * A collect() gauge whose callback has not returned a reading yet: cluster reports say so, and the cluster's gauge
   * reads null while no live worker's has one. @internal
   */
  get readless(): boolean {
    return this.unread;
  }

  /** Why its last collect() failed (its snapshot's `error`); undefined while it reads (cluster reports). @internal */
  get failure(): string | undefined {
    return this.error;
  }

  /** A collect() gauge whose callback has not returned a reading yet (before the first sample, or it threw). */
  private get unread(): boolean {
    return this.collectFn !== undefined && !this.hasReading;
  }

  /**
   * One reading is the gauge's whole state (as prom-client's collect() that resets, then sets): a label set it
   * no longer returns is dropped (from the sum, the series and every surface) and its place under maxLabelSets
   * freed before the new sets take theirs. Entries that land in one set (folded into `other`, or naming one set
   * twice) are summed. A set returned with a value that is not a finite number keeps its last value (shown as
   * `error`), as a callback that throws or returns no reading keeps every last value.
   */
  private read(fn: () => GaugeReading): void {
    // A reading that fails as a whole (a throw, a promise, no reading) keeps every last value: all sets are stale.
    let partial = false;
    this.stale = new Set();
    try {
      const r = fn();
      // An async collect(): its reading cannot be waited for in the sample, and its rejection must not go unhandled
      // (it would end the host: outside review 36, RT36-2). Refused as any other non-reading, the last values kept.
      if (catchRejection(r, () => {}))
        throw new Error(
          'collect() returned a promise: it must return its reading at once (set() from async code)',
        );
      // A cluster's sum of its workers' values when none was reported yet (custom-merge.ts): nothing read.
      if ((r as unknown) === null && this.derived) {
        this.hasReading = false;
        this.error = this.failing?.();
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
        const found = items.map((x) => (x.entry ? this.sets.find(x.labels) : undefined));
        this.prune(new Set(found));
        // Entries that land in one set (folded into `other`, or naming one set twice) are summed; a set named by a
        // bad value keeps its last value, as does one whose sum is not finite.
        const sums = new Map<GaugeCell, number>();
        const spoiled = new Set<GaugeCell | undefined>();
        let bad: unknown;
        let badSeen = false;
        items.forEach(({ labels, value }, i) => {
          if (typeof value === 'number' && Number.isFinite(value)) {
            const c = this.sets.get(labels);
            sums.set(c, (sums.get(c) ?? 0) + value);
          } else {
            spoiled.add(found[i]);
            if (!badSeen) {
              badSeen = true;
              bad = value;
            }
          }
        });
        let overflow = false;
        for (const [c, v] of sums) {
          if (spoiled.has(c)) continue;
          if (Number.isFinite(v)) c.reading(v);
          else {
            overflow = true;
            this.stale.add(c);
          }
        }
        // The sets a bad value named keep their last value (one never read is not in the series: nothing to show).
        for (const c of spoiled) if (c !== undefined) this.stale.add(c);
        partial = true;
        // The good readings are kept; a skipped one is not silent.
        if (badSeen) throw new Error(`collect() returned a value of ${describe(bad)}, not a finite number`);
        if (overflow) throw new Error('collect() returned values whose sum for one label set is not finite');
      } else {
        throw new Error(`collect() returned ${describe(r)}, not a finite number`);
      }
      this.error = this.derived ? this.failing?.() : undefined;
      // A cluster's sum while a live worker fails lacks that worker's share of any set (which sets it holds is not
      // known from its failure): every set is stale, so a rule on any set is unknown in health, as the gauge was.
      if (this.error !== undefined) this.staleAll();
    } catch (err) {
      this.error = errorMessage(err);
      if (!partial) this.staleAll();
    }
  }

  /** Marks every set stale (a failed reading keeps every last value). */
  private staleAll(): void {
    for (const { value: c } of this.sets.slots) this.stale.add(c);
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
