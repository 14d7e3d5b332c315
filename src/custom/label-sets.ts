// Bounded label sets of one custom metric: each distinct combination of label values gets a slot,
// up to maxLabelSets; later combinations, and any with a value over MAX_LABEL_VALUE_LENGTH characters,
// fold into the set whose values are all `other`, as routes fold into `other`. Only the declared labels are read; a missing value is ''.
// A value that is not well-formed UTF-16 (a lone surrogate) names the set of its well-formed spelling (U+FFFD in
// its place), the one its UTF-8 bytes in the scrape name: every key filed is well-formed.

import { MAX_LABEL_VALUE_LENGTH, OTHER_LABEL_VALUE } from './names.js';
import { wellFormed } from './well-formed.js';

/** Label values by label name; numbers and booleans are turned into strings, undefined into ''. */
export type LabelValues = Readonly<Record<string, string | number | boolean | undefined>>;

/** Whether a recording call's first argument is a label set (a non-array object), rather than an amount. */
export function isLabelSet(v: unknown): v is LabelValues {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/**
 * A label value as its series key: strings as they are, anything else through String(), missing as ''. A
 * value that String() cannot convert (a toString that throws) gets a key no real value has, longer than
 * MAX_LABEL_VALUE_LENGTH, so that its set folds into `other` as an over-long value does: recorded, not thrown.
 */
function keyOf(v: unknown): string {
  if (typeof v === 'string') return v;
  try {
    return String(v ?? '');
  } catch {
    return UNREADABLE;
  }
}
const UNREADABLE = '\u0000'.repeat(MAX_LABEL_VALUE_LENGTH + 1);

const OBJECT_MEMBERS = Object.prototype as unknown as Record<string, unknown>;

/**
 * The key of label `name` in `values`. A label named like an Object.prototype member (`toString`, `constructor`)
 * that the call leaves out reads that member from a plain object: it is missing (''), not the function's text.
 */
function keyAt(values: LabelValues | undefined, name: string): string {
  const v = values?.[name];
  if (typeof v === 'string') return v;
  if (v !== undefined && v === OBJECT_MEMBERS[name] && !Object.hasOwn(values as object, name)) return '';
  return keyOf(v);
}

/** A label value as the key it is filed under: keyAt() made well-formed (label-sets.ts, the header). */
const filedKeyAt = (values: LabelValues | undefined, name: string): string => wellFormed(keyAt(values, name));

/** One level per label: values of the first label, then of the second, …; the last level holds slot indexes. */
type Level = Map<string, Level | number>;

export class LabelSets<T> {
  /** The slots, in creation order; each with its label values. */
  readonly slots: { labels: Record<string, string>; value: T }[] = [];
  /**
   * Slot index by label values, one Map level per label, so that a lookup builds no key string (a joined
   * key was a fresh string per call, hashed anew: the cost of a labelled call with several labels).
   */
  private readonly tree: Level = new Map();
  private sets = 0;
  private other = -1;
  /**
   * Asked for a set about to fold into `other` (`overBound`: only for being past maxLabelSets): true keeps it in a
   * slot of its own past the bound. The monitor sets it at declaration for the sets its alert rules select
   * (selected-sets.ts, RT37-10). @internal
   */
  folding: ((labels: Readonly<Record<string, string>>, overBound: boolean) => boolean) | undefined;

  constructor(
    private readonly names: readonly string[],
    private readonly max: number,
    private readonly create: () => T,
    /** The all-`other` set's cell, when it differs (a gauge's sums what folds into it). */
    private readonly createOther: () => T = create,
  ) {
    // A metric without labels has its one series from the start: it reads 0 before anything is recorded.
    if (names.length === 0) this.slots.push({ labels: {}, value: create() });
  }

  /** What the cells ignored (their `dropped`: bad amounts), summed over every set. */
  dropped(this: LabelSets<{ readonly dropped: number }>): number {
    let n = 0;
    for (const { value: c } of this.slots) n += c.dropped;
    return n;
  }

  /** The slot for these label values (created on first use); the `other` slot once the bound is reached. */
  get(values: LabelValues | undefined): T {
    const names = this.names;
    const n = names.length;
    if (n === 0) return (this.slots[0] as { value: T }).value;
    let level = this.tree;
    for (let i = 0; i < n - 1; i++) {
      const next = level.get(keyAt(values, names[i] as string));
      if (next === undefined) return this.at(this.add(values));
      level = next as Level;
    }
    const found = level.get(keyAt(values, names[n - 1] as string));
    return this.at(found === undefined ? this.add(values) : (found as number));
  }

  /** The slot of these label values if it exists (never created, never `other` for an unfiled set). */
  find(values: LabelValues | undefined): T | undefined {
    const names = this.names;
    if (names.length === 0) return this.at(0);
    let level: Level | number | undefined = this.tree;
    for (const name of names) {
      if (typeof level !== 'object') break;
      level = level.get(keyAt(values, name));
    }
    // Not found as given: a value that is not well-formed is filed under its well-formed spelling.
    const i = typeof level === 'number' ? level : this.respelled(values);
    return i === undefined ? undefined : this.at(i);
  }

  /**
   * These label values as one string, each value's length before it (no two sets share a key): what names a set
   * that folded into `other` among the others that did.
   */
  memberKey(values: LabelValues | undefined): string {
    // Joined, not concatenated: `+=` makes a rope of the parts, several times the size of the flat string a key
    // that is kept needs.
    const parts: string[] = [];
    for (const n of this.names) {
      const k = filedKeyAt(values, n);
      parts.push(String(k.length), ':', k);
    }
    return parts.join('');
  }

  /**
   * Keeps only the slots whose cell is in `keep`, in their order, and frees the others' places under the bound
   * (a `collect()` reading is the gauge's whole state: a set it no longer returns is gone). Returns the cells
   * removed. A metric without labels keeps its one series.
   */
  retain(keep: ReadonlySet<T | undefined>): T[] {
    if (this.names.length === 0) return [];
    const removed: T[] = [];
    const kept: { labels: Record<string, string>; value: T }[] = [];
    for (const s of this.slots) {
      if (keep.has(s.value)) kept.push(s);
      else removed.push(s.value);
    }
    if (removed.length === 0) return removed;
    this.slots.length = 0;
    this.tree.clear();
    this.sets = 0;
    this.other = -1;
    for (const s of kept) {
      const keys = this.names.map((n) => s.labels[n] as string);
      const i = this.slots.push(s) - 1;
      this.file(keys, i);
      this.sets++;
      if (keys.every((k) => k === OTHER_LABEL_VALUE)) this.other = i;
    }
    return removed;
  }

  private at(i: number): T {
    return (this.slots[i] as { value: T }).value;
  }

  /**
   * The slot of values that a lookup as given missed, filed under their well-formed spelling; undefined when they
   * are all well-formed (nothing else to look up: the common case, one check of each value) or it has no slot.
   */
  private respelled(values: LabelValues | undefined): number | undefined {
    let level: Level | number | undefined = this.tree;
    let differs = false;
    for (const n of this.names) {
      const given = keyAt(values, n);
      const key = wellFormed(given);
      if (key !== given) differs = true;
      level = typeof level === 'object' ? level.get(key) : undefined;
    }
    return differs && typeof level === 'number' ? level : undefined;
  }

  /** Files slot `index` under these label values. */
  private file(keys: readonly string[], index: number): void {
    let level = this.tree;
    for (let i = 0; i < keys.length - 1; i++) {
      const key = keys[i] as string;
      let next = level.get(key) as Level | undefined;
      if (next === undefined) {
        next = new Map();
        level.set(key, next);
      }
      level = next;
    }
    level.set(keys[keys.length - 1] as string, index);
  }

  /** Whether `folding` keeps the set of these keys past the bound (never one that folds for its values). */
  private kept(keys: readonly string[], overBound: boolean): boolean {
    if (this.folding === undefined) return false;
    const labels: Record<string, string> = {};
    this.names.forEach((n, i) => {
      labels[n] = keys[i] as string;
    });
    return this.folding(labels, overBound) && overBound;
  }

  private add(values: LabelValues | undefined): number {
    // get() missed the values as given; one that is not well-formed may name a set filed under its well-formed
    // spelling, which it is then (before the bound is asked: it is no new set).
    const filed = this.respelled(values);
    if (filed !== undefined) return filed;
    const keys = this.names.map((n) => filedKeyAt(values, n));
    // A set spelled all `other` is the fold set itself: two series with one label set would be invalid.
    // A value over MAX_LABEL_VALUE_LENGTH folds too (never filed: each such call comes back here).
    const malformed =
      keys.every((k) => k === OTHER_LABEL_VALUE) || keys.some((k) => k.length > MAX_LABEL_VALUE_LENGTH);
    if ((this.sets >= this.max || malformed) && !this.kept(keys, !malformed)) {
      if (this.other < 0) {
        const labels: Record<string, string> = {};
        for (const n of this.names) labels[n] = OTHER_LABEL_VALUE;
        this.other = this.slots.push({ labels, value: this.createOther() }) - 1;
        this.file(
          this.names.map(() => OTHER_LABEL_VALUE),
          this.other,
        );
        this.sets++;
      }
      return this.other;
    }
    const labels: Record<string, string> = {};
    this.names.forEach((n, i) => {
      labels[n] = keys[i] as string;
    });
    const i = this.slots.push({ labels, value: this.create() }) - 1;
    this.file(keys, i);
    this.sets++;
    return i;
  }
}
