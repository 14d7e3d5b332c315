// A gauge's value cells: one per label set, and the all-`other` set that label sets past maxLabelSets (or with a
// value over 128 characters) fold into. A fold sums what it folds, as routes' `* other` does: a collect() reading
// sets it to the sum of the folded sets' values; with set()/inc()/dec() it keeps each folded set's latest value
// (at most MAX_FOLDED_MEMBERS of them, by a short key: memory stays bounded) and reads their sum.

import { nodeCrypto } from '../builtins.js';

/** Folded label sets whose latest value a set()/inc()/dec() gauge keeps; a recording for a further one is dropped. */
export const MAX_FOLDED_MEMBERS = 1000;

/** Member keys longer than this are kept as their SHA-256 (a label value may be kilobytes from a request). */
const MAX_KEY_LENGTH = 64;

/** One label set's value. set/inc/dec never throw: a bad amount is ignored and counted. */
export class GaugeCell {
  value = 0;
  /** Amounts ignored: not a finite number. */
  dropped = 0;
  /**
   * The all-`other` set's cell (a FoldCell): a recording names its member. A field, read on every labelled call:
   * an `instanceof` there doubled a labelled set()'s ~18 ns.
   */
  readonly fold: boolean = false;
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
  /** A collect() reading's value for this set (finite: checked by the caller). */
  reading(v: number): void {
    this.value = v;
  }
  /** The value to show. */
  read(): number {
    return this.value;
  }
}

/** What recording on one folded label set can do (a bound gauge of a set that folded). */
export interface MemberRecorder {
  set(value: number): void;
  inc(n?: number): void;
  dec(n?: number): void;
}

/**
 * The all-`other` set of a gauge. With set()/inc()/dec(), each folded label set is a member whose latest value is
 * kept by key, and the cell reads their sum (re-added from the members when one was replaced, so no rounding
 * accumulates); a collect() reading sets the sum of what it folded, as a reading is the whole state.
 */
export class FoldCell extends GaugeCell {
  override readonly fold = true;
  private readonly members = new Map<string, number>();
  /** `value` is a running sum that a replaced member may have left rounded: re-add before showing. */
  private stale = false;

  /** Sets a member's value (`key` from LabelSets.memberKey). */
  setMember(key: string, v: unknown): void {
    if (Number.isFinite(v)) this.put(key, () => v as number);
    else this.dropped++;
  }

  /** Adds `n` (default 1) to a member's value; `sign` -1 subtracts. */
  addMember(key: string, sign: 1 | -1, n: unknown = 1): void {
    if (Number.isFinite(n)) this.put(key, (prev) => prev + sign * (n as number));
    else this.dropped++;
  }

  /** A recorder for one member, for a bound gauge whose set folded. */
  member(key: string): MemberRecorder {
    return {
      set: (v) => this.setMember(key, v),
      inc: (n) => this.addMember(key, 1, n),
      dec: (n) => this.addMember(key, -1, n),
    };
  }

  override reading(v: number): void {
    this.members.clear();
    this.stale = false;
    this.value = v;
  }

  override read(): number {
    if (this.stale) {
      let s = 0;
      for (const v of this.members.values()) s += v;
      this.value = s;
      this.stale = false;
    }
    return this.value;
  }

  private put(rawKey: string, next: (prev: number) => number): void {
    const key = rawKey.length > MAX_KEY_LENGTH ? hashed(rawKey) : rawKey;
    const prev = this.members.get(key);
    if (prev === undefined && this.members.size >= MAX_FOLDED_MEMBERS) {
      this.dropped++;
      return;
    }
    const v = next(prev ?? 0);
    const sum = this.value - (prev ?? 0) + v;
    // A member's value, and the sum, stay finite (never `null` in JSON or `+Inf` in Prometheus).
    if (!Number.isFinite(v) || !Number.isFinite(sum)) {
      this.dropped++;
      return;
    }
    this.members.set(key, v);
    this.value = sum;
    if (prev !== undefined) this.stale = true;
  }
}

/** A long key's SHA-256 in base64: never a raw key, which has a `:` after each value's length. */
function hashed(key: string): string {
  return nodeCrypto().createHash('sha256').update(key).digest('base64');
}
