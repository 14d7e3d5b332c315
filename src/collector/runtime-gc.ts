// GC pauses by kind (count, total and longest pause) over each sample interval, through one
// PerformanceObserver per collector that close() disconnects (prom-client#500: observers that are
// never disconnected keep the process's GC entries, and the collector, alive).

import { constants, PerformanceObserver } from 'node:perf_hooks';
import { round } from '../alerts/status.js';
import type { GcKindStats } from '../types.js';

/** The kinds of garbage collection Node reports (perf_hooks `detail.kind`). */
export type GcKind = 'minor' | 'major' | 'incremental' | 'weakcb';

export const GC_KINDS: readonly GcKind[] = Object.freeze(['minor', 'major', 'incremental', 'weakcb']);

const KIND_OF: Readonly<Record<number, GcKind>> = {
  [constants.NODE_PERFORMANCE_GC_MINOR]: 'minor',
  [constants.NODE_PERFORMANCE_GC_MAJOR]: 'major',
  [constants.NODE_PERFORMANCE_GC_INCREMENTAL]: 'incremental',
  [constants.NODE_PERFORMANCE_GC_WEAKCB]: 'weakcb',
};

/** Zero pauses of every kind (a fresh object each call: snapshots must not share state). */
export function emptyGcStats(): Record<GcKind, GcKindStats> {
  return {
    minor: { count: 0, total_ms: 0, max_ms: 0 },
    major: { count: 0, total_ms: 0, max_ms: 0 },
    incremental: { count: 0, total_ms: 0, max_ms: 0 },
    weakcb: { count: 0, total_ms: 0, max_ms: 0 },
  };
}

/** Accumulates GC entries between take() calls. Plain numbers per kind: no allocation per GC. */
export class GcObserver {
  private readonly count = new Float64Array(4);
  private readonly total = new Float64Array(4);
  private readonly max = new Float64Array(4);
  private observer: PerformanceObserver | undefined;

  constructor() {
    this.observer = new PerformanceObserver((list) => {
      for (const entry of list.getEntries()) {
        const detail = (entry as unknown as { detail?: { kind?: number } }).detail;
        const kind = KIND_OF[detail?.kind ?? -1];
        if (kind === undefined) continue;
        this.add(GC_KINDS.indexOf(kind), entry.duration);
      }
    });
    this.observer.observe({ entryTypes: ['gc'] });
  }

  /** The pauses since the previous take(), by kind; starts a new interval unless `close` is false (a read). */
  take(close = true): Record<GcKind, GcKindStats> {
    const out = emptyGcStats();
    for (let i = 0; i < GC_KINDS.length; i++) {
      const stats = out[GC_KINDS[i] as GcKind];
      stats.count = this.count[i] as number;
      stats.total_ms = round(this.total[i] as number, 3);
      stats.max_ms = round(this.max[i] as number, 3);
    }
    if (!close) return out;
    this.count.fill(0);
    this.total.fill(0);
    this.max.fill(0);
    return out;
  }

  get observing(): boolean {
    return this.observer !== undefined;
  }

  /** Disconnects the observer. Idempotent. */
  close(): void {
    this.observer?.disconnect();
    this.observer = undefined;
  }

  private add(i: number, ms: number): void {
    this.count[i] = (this.count[i] as number) + 1;
    this.total[i] = (this.total[i] as number) + ms;
    if (ms > (this.max[i] as number)) this.max[i] = ms;
  }
}
