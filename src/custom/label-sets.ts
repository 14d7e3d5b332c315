// Bounded label sets of one custom metric: each distinct combination of label values gets a slot,
// up to maxLabelSets; later combinations fold into the set whose values are all `other`, as routes
// fold into `other`. Only the declared labels are read; a missing value is ''.

import { OTHER_LABEL_VALUE } from './names.js';

export type LabelValues = Readonly<Record<string, string | number | boolean | undefined>>;

export class LabelSets<T> {
  /** The slots, in creation order; each with its label values. */
  readonly slots: { labels: Record<string, string>; value: T }[] = [];
  private readonly index = new Map<string, number>();
  private other = -1;
  private readonly otherKey: string;

  constructor(
    private readonly names: readonly string[],
    private readonly max: number,
    private readonly create: () => T,
  ) {
    this.otherKey = names.map(() => OTHER_LABEL_VALUE).join('\u0001');
    // A metric without labels has its one series from the start: it reads 0 before anything is recorded.
    if (names.length === 0) this.slots.push({ labels: {}, value: create() });
  }

  /** The slot for these label values (created on first use); the `other` slot once the bound is reached. */
  get(values: LabelValues | undefined): T {
    const names = this.names;
    if (names.length === 0) return (this.slots[0] as { value: T }).value;
    let key = '';
    if (names.length === 1) {
      // One label (the common case): its value is the key, no string building.
      const v = values?.[names[0] as string];
      key = typeof v === 'string' ? v : String(v ?? '');
    } else
      for (let i = 0; i < names.length; i++) {
        const v = values?.[names[i] as string];
        key += i === 0 ? String(v ?? '') : `\u0001${String(v ?? '')}`;
      }
    const found = this.index.get(key);
    if (found !== undefined) return this.at(found);
    return this.at(this.add(key, values));
  }

  private at(i: number): T {
    return (this.slots[i] as { value: T }).value;
  }

  private add(key: string, values: LabelValues | undefined): number {
    // A set spelled all `other` is the fold set itself: two series with one label set would be invalid.
    if (this.index.size >= this.max || key === this.otherKey) {
      if (this.other < 0) {
        const labels: Record<string, string> = {};
        for (const n of this.names) labels[n] = OTHER_LABEL_VALUE;
        this.other = this.slots.push({ labels, value: this.create() }) - 1;
        this.index.set(this.otherKey, this.other);
      }
      return this.other;
    }
    const labels: Record<string, string> = {};
    for (const n of this.names) labels[n] = String(values?.[n] ?? '');
    const i = this.slots.push({ labels, value: this.create() }) - 1;
    this.index.set(key, i);
    return i;
  }
}
