// The slow-query log: the last queries at or over the threshold, a ring kept newest first (QueryStats's).

/** A ring of the last `size` slow queries, and how many were ever written (cluster mode reports the new ones). */
export class SlowLog<SlowQuery extends { timestamp: string }> {
  private readonly slow: SlowQuery[] = [];
  private next = 0;
  /** Entries ever written. */
  private total = 0;

  constructor(private readonly size: number) {}

  /** Writes one entry (the oldest is overwritten once full). */
  log(entry: SlowQuery): void {
    this.total++;
    const size = this.size;
    if (size <= 0) return;
    if (this.slow.length < size) this.slow.push(entry);
    else this.slow[this.next] = entry;
    this.next = (this.next + 1) % size;
  }

  /** The log, newest first (copies). */
  entries(): SlowQuery[] {
    const n = this.slow.length;
    const out: SlowQuery[] = [];
    for (let k = 1; k <= n; k++) out.push({ ...(this.slow[(this.next - k + n) % n] as SlowQuery) });
    return out;
  }

  /** Entries written after the first `seen` (oldest first, at most the log's size), and the new count. */
  since(seen: number): { entries: SlowQuery[]; total: number } {
    const fresh = Math.min(this.total - seen, this.slow.length);
    return { entries: fresh > 0 ? this.entries().slice(0, fresh).reverse() : [], total: this.total };
  }

  /**
   * Another process's entries: the log keeps the newest by time (not by arrival: another worker's interval may
   * arrive later with newer queries).
   */
  absorb(entries: readonly SlowQuery[]): void {
    const size = this.size;
    if (size === 0 || entries.length === 0) return;
    const all = [...this.entries().reverse(), ...entries.map((e) => ({ ...e }))];
    // Stable: entries of the same millisecond keep their order.
    all.sort((a, b) => Date.parse(a.timestamp) - Date.parse(b.timestamp));
    const kept = all.slice(-size);
    this.slow.length = 0;
    this.slow.push(...kept);
    this.next = kept.length % size;
    this.total += entries.length;
  }
}
