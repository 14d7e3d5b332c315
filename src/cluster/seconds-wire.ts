// Request counts per clock second as reports carry them (`ps`: [sub-window ms, first stamp, count, ...], the
// worker's request sub-windows, one second by default), so that the aggregator adds a report's requests to the
// seconds they were recorded in (`per_second`), not spread evenly over the span the report covers (outside review
// 18, F1). An older aggregator ignores the key; an older worker's reports (no `ps`) are spread, as before.

import { MAX_SUBS, type SubCounts } from '../requests/sub-split.js';

/** Where a reporter reads them: RequestStats.subWindowRequests (threads' too). */
export interface SecondsSource {
  subWindowRequests?(from: number | null): SubCounts;
}

/**
 * Turns a process's request sub-windows into the requests each one holds since the previous take(): from the
 * sub-window of that take (less what it held then) to the current one, without leading and trailing empty ones.
 */
export class SecondsReporter {
  /** The sub-window of the previous take() and the requests it held then; null after a reset (totals since start). */
  private mark: { sub: number; n: number } | null = null;

  reset(): void {
    this.mark = null;
  }

  /**
   * The wire's `ps` for the requests recorded since the previous take(); undefined when none, or after a reset
   * (the totals since start go uncounted per second).
   */
  take(source: SecondsSource): number[] | undefined {
    const read = source.subWindowRequests?.(this.mark?.sub ?? null);
    if (read === undefined) return undefined;
    const last = read.first + read.counts.length - 1;
    const mark = this.mark;
    this.mark = { sub: last, n: read.counts[read.counts.length - 1] ?? 0 };
    if (mark === null) return undefined;
    const counts = read.counts.slice();
    // The sub-window of the previous take, less what it held then. When the ring no longer holds it (a frame held
    // past the window, or nothing recorded since), those before the ring read nothing: if any were recorded there,
    // the counts fall short of the report's and the aggregator spreads it (report-apply.ts).
    if (read.first === mark.sub) counts[0] = Math.max(0, (counts[0] as number) - mark.n);
    let a = 0;
    let b = counts.length;
    while (a < b && counts[a] === 0) a++;
    while (b > a && counts[b - 1] === 0) b--;
    if (a === b || b - a > MAX_SUBS) return undefined;
    return [read.ms, read.first + a, ...counts.slice(a, b)];
  }
}
