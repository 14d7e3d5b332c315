// Keeps each instance's points pre-merged at the coarser query steps (5 and 30 minutes by default), so
// that 24h and 7d read a few hundred points instead of thousands of histograms.

import type { HistoryPoint } from '../history/point.js';
import { PointMerger } from '../history/point-merger.js';

/** Replace `replaces` (this writer's previous partial of the step, if any) by `point`. */
export interface RollupWrite {
  stepMs: number;
  replaces: HistoryPoint | null;
  point: HistoryPoint;
}

interface OpenStep {
  stepStart: number;
  merger: PointMerger;
  point: HistoryPoint;
}

/**
 * Rollup histograms are written uncompressed: a rollup is decoded on every fleet query, and zlib is
 * nearly all of the decoding cost. A rollup point (t = step start) is this writer's partial merge of the step, rewritten on every
 * append so reads never need the raw tail. After a restart, or for a point older than the open step
 * (an outage buffer written late), the writer starts another partial for the same step instead of
 * reading the old one back: a step may hold several rollup points, and readers merge them like any
 * other points of the step.
 */
export class RollupTracker {
  private readonly open = new Map<string, OpenStep>();

  constructor(readonly steps: readonly number[]) {}

  add(instance: string, p: HistoryPoint): RollupWrite[] {
    const writes: RollupWrite[] = [];
    for (const stepMs of this.steps) {
      const stepStart = Math.floor(p.t / stepMs) * stepMs;
      const key = `${stepMs}:${instance}`;
      const cur = this.open.get(key);
      if (cur && cur.stepStart === stepStart) {
        cur.merger.add(p);
        const point = cur.merger.toPoint(stepStart, 'uncompressed', stepMs);
        writes.push({ stepMs, replaces: cur.point, point });
        cur.point = point;
        continue;
      }
      const merger = new PointMerger();
      merger.add(p);
      const point = merger.toPoint(stepStart, 'uncompressed', stepMs);
      writes.push({ stepMs, replaces: null, point });
      if (!cur || stepStart > cur.stepStart) this.open.set(key, { stepStart, merger, point });
    }
    return writes;
  }

  /** Forget an instance's open steps (its series was dropped). */
  forget(instance: string): void {
    for (const stepMs of this.steps) this.open.delete(`${stepMs}:${instance}`);
  }
}
