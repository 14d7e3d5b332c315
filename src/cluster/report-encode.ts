// A report for the wire: the inverse of decodeReport (the ledger writes each worker's totals so).

import { encodeApart, withWholeMax } from './apart-wire.js';
import { encodeCounts } from './counts-wire.js';
import { encodeCustom } from './custom-wire.js';
import { encodeQueries } from './query-wire.js';
import type { JobWire, Report, ReportWire, RouteWire } from './report.js';

/** A report for the wire (the inverse of decodeReport). */
export function encodeReport(report: Report): ReportWire {
  return {
    r: report.routes.map((r) => {
      const w: RouteWire =
        r.latency && r.latency.n > 0
          ? { m: r.method, r: r.route, k: r.classes, l: encodeCounts(r.latency) }
          : { m: r.method, r: r.route, k: r.classes };
      if (r.extra?.some((v) => v > 0)) w.x = r.extra.slice(0, r.extra[4] ? 5 : 4); // no answered closes: as before
      if (r.extra?.[5]) w.b = r.extra[5]; // body closes: a key of their own (RouteWire.b)
      if (r.extra?.[6]) w.q = r.extra[6]; // quick closes: so too (RouteWire.q)
      Object.assign(w, encodeApart(r.apart)); // of them, the requests not judged (apart-wire.ts)
      withWholeMax(w); // `l`'s max as an older aggregator reads it
      return w;
    }),
    f: report.functions.map((f) => ({ f: f.name, l: encodeCounts(f.latency) })),
    j: (report.jobs ?? []).map((j) => {
      const m = j.meta;
      const w: JobWire = {
        f: j.name,
        m: [
          m.lastSuccess,
          m.lastFailure,
          m.lastError,
          m.lastDurationUs,
          m.expectEveryMs,
          m.watchedSince,
          m.running ?? 0,
        ],
      };
      if (j.latency && j.latency.n > 0) w.l = encodeCounts(j.latency);
      return w;
    }),
    q: encodeQueries(report.queries ?? []),
    c: encodeCustom(report.custom ?? []),
    ...(report.dropped?.some((v) => v > 0) ? { d: report.dropped.slice() } : {}),
    ...(report.shed ? { h: report.shed } : {}),
    ...(report.unseen === undefined ? {} : { u: report.unseen }),
  };
}
