// The `worker` label's series (cluster.workerLabel): each worker's request and `@timed` totals since
// its start, from what the aggregator knows of it, so that every series only ever grows.

import type { WorkerSeriesWire } from './answers.js';
import { addSparse, emptySparse, encodeCounts } from './counts-wire.js';
import { RETIRED, type WorkerEntry } from './workers.js';

const CLASSES = ['1xx', '2xx', '3xx', '4xx', '5xx'] as const;

/**
 * One series set per worker the aggregator knows (live, or dead and not retired yet). The retired
 * entry is left out: folding a dead worker into it would make that series jump, a false rate; a dead
 * worker's series ends instead, as a restarted process's would.
 */
export function workerSeries(entries: Iterable<WorkerEntry>): WorkerSeriesWire[] {
  const out: WorkerSeriesWire[] = [];
  for (const w of entries) {
    if (w.id === RETIRED) continue;
    const totals = w.known.toReport();
    const all = emptySparse();
    const series: WorkerSeriesWire = { worker: w.id, routes: [], aborted: [], latency: null, functions: [] };
    for (const r of totals.routes) {
      for (let c = 0; c < 5; c++) {
        const count = r.classes[c] as number;
        if (count > 0)
          series.routes.push({ method: r.method, route: r.route, status_class: CLASSES[c]!, count });
      }
      const aborted = (r.extra?.[0] as number) || 0;
      if (aborted > 0) series.aborted.push({ method: r.method, route: r.route, count: aborted });
      if (r.latency) addSparse(all, r.latency);
    }
    series.latency = all.n > 0 ? encodeCounts(all) : null;
    for (const f of totals.functions) {
      series.functions.push({
        name: f.name,
        count: f.latency.n,
        errors: f.latency.errors,
        histogram: f.latency.n > 0 ? encodeCounts(f.latency) : null,
      });
    }
    out.push(series);
  }
  return out;
}
