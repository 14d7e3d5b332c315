// One worker's totals since start as the aggregator knows them (the sum of its reports): a full report
// after a reconnection is compared with them, so that only what the aggregator missed is added.

import type { SparseCounts } from '../latency/latency-ring.js';
import type { JobMeta } from '../profiling/jobs.js';
import type { ApartFigures } from '../requests/apart.js';
import { OTHER_METHOD, OTHER_ROUTE } from '../requests/route-counters.js';
import { addApart, apartBeyond } from './apart-wire.js';
import { addSparse, emptySparse, subtractSparse } from './counts-wire.js';
import { KnownCustom } from './custom-merge.js';
import { KnownQueries } from './query-wire.js';
import { type Report, ROUTE_SEP } from './report.js';

/**
 * Totals since start of one worker as an aggregator knows them: the sum of its reports. A full
 * report (after a reconnection) is compared with them, so that only what the aggregator missed is
 * added, and nothing is counted twice.
 */
export class KnownTotals {
  private readonly routes = new Map<
    string,
    {
      method: string;
      route: string;
      classes: number[];
      extra: number[];
      latency: SparseCounts;
      apart: ApartFigures;
    }
  >();
  private readonly functions = new Map<string, SparseCounts>();
  private readonly jobs = new Map<string, { latency: SparseCounts; meta: JobMeta }>();
  private readonly queries = new KnownQueries();
  private readonly custom = new KnownCustom();
  /** Slow queries received from this worker (its full report's log is taken only by an aggregator that has none). */
  private slowSeen = 0;
  /** Observations dropped for bad input, per DROPPED_SOURCES (`dropped_observations`). */
  readonly dropped = [0, 0, 0, 0, 0];
  /** Requests refused by load shedding (`requests.shed_total`; absent from older workers' reports: 0). */
  shed = 0;
  /** Requests its middleware never saw (`requests.unseen_total`); undefined: it never said (none, or an older worker). */
  unseen: number | undefined;
  /**
   * A report of the worker was taken (a hello, a frame, the ledger's totals): what it reports beyond these totals
   * from then on happened while this aggregator knew it, recently, even while they hold no request (a worker
   * whose first requests were all cut by its death).
   */
  taken = false;

  /** Adds a delta report. */
  add(report: Report): void {
    this.taken = true;
    for (const r of report.routes) {
      const e = this.route(r.method, r.route);
      for (let c = 0; c < 5; c++) e.classes[c]! += r.classes[c] as number;
      for (let c = 0; c < 7; c++) e.extra[c]! += (r.extra?.[c] as number) || 0;
      if (r.latency) addSparse(e.latency, r.latency);
      addApart(e.apart, r.apart);
    }
    for (const f of report.functions) {
      let e = this.functions.get(f.name);
      if (e === undefined) {
        e = emptySparse();
        this.functions.set(f.name, e);
      }
      addSparse(e, f.latency);
    }
    for (const j of report.jobs ?? []) {
      const e = this.job(j.name);
      if (j.latency) addSparse(e.latency, j.latency);
      e.meta = j.meta;
    }
    this.queries.add(report.queries ?? []);
    this.custom.add(report.custom ?? []);
    this.slowSeen += report.slow?.length ?? 0;
    if (report.dropped) for (let k = 0; k < 5; k++) this.dropped[k]! += report.dropped[k] as number;
    this.shed += report.shed ?? 0;
    if (report.unseen !== undefined) this.unseen = (this.unseen ?? 0) + report.unseen;
  }

  /**
   * Takes a full report (totals since start): returns what it holds beyond these totals and adopts
   * it. Figures below what is known (cannot happen for one worker's monotonic totals) are ignored.
   */
  replace(full: Report): Report {
    this.taken = true;
    const routes: Report['routes'] = [];
    for (const r of full.routes) {
      const e = this.route(r.method, r.route);
      const classes = r.classes.map((v, c) => Math.max(0, v - (e.classes[c] as number)));
      const full = r.extra ?? [0, 0, 0, 0, 0];
      const extra = full.map((v, c) => Math.max(0, v - (e.extra[c] as number)));
      const latency = r.latency ? subtractSparse(r.latency, e.latency) : null;
      for (let c = 0; c < 5; c++) e.classes[c] = Math.max(e.classes[c] as number, r.classes[c] as number);
      for (let c = 0; c < 7; c++) e.extra[c] = Math.max(e.extra[c] as number, (full[c] as number) || 0);
      if (latency) addSparse(e.latency, latency);
      const apart = apartBeyond(r.apart, e.apart);
      if (classes.some((v) => v > 0) || extra.some((v) => v > 0) || (latency && latency.n > 0)) {
        routes.push({
          method: r.method,
          route: r.route,
          classes,
          latency,
          extra,
          ...(apart ? { apart } : {}),
        });
      }
    }
    const functions: Report['functions'] = [];
    for (const f of full.functions) {
      let e = this.functions.get(f.name);
      if (e === undefined) {
        e = emptySparse();
        this.functions.set(f.name, e);
      }
      const latency = subtractSparse(f.latency, e);
      addSparse(e, latency);
      if (latency.n > 0) functions.push({ name: f.name, latency });
    }
    const jobs: NonNullable<Report['jobs']> = [];
    for (const j of full.jobs ?? []) {
      const e = this.job(j.name);
      const latency = j.latency ? subtractSparse(j.latency, e.latency) : null;
      if (latency) addSparse(e.latency, latency);
      e.meta = j.meta;
      jobs.push({ name: j.name, latency, meta: j.meta });
    }
    const slow = this.slowSeen === 0 ? (full.slow ?? []) : [];
    this.slowSeen += full.slow?.length ?? 0;
    const dropped = (full.dropped ?? [0, 0, 0, 0, 0]).map((v, k) =>
      Math.max(0, v - (this.dropped[k] as number)),
    );
    for (let k = 0; k < 5; k++) this.dropped[k]! += dropped[k] as number;
    const shed = Math.max(0, (full.shed ?? 0) - this.shed);
    this.shed += shed;
    const unseen = full.unseen === undefined ? undefined : Math.max(0, full.unseen - (this.unseen ?? 0));
    if (unseen !== undefined) this.unseen = (this.unseen ?? 0) + unseen;
    return {
      dropped,
      shed,
      ...(unseen === undefined ? {} : { unseen }),
      ...(full.shedState === undefined ? {} : { shedState: full.shedState }),
      routes,
      functions,
      jobs,
      queries: this.queries.replace(full.queries ?? []),
      slow,
      custom: this.custom.replace(full.custom ?? []),
    };
  }

  private job(name: string) {
    let e = this.jobs.get(name);
    if (e === undefined) {
      e = {
        latency: emptySparse(),
        meta: {
          lastSuccess: null,
          lastFailure: null,
          lastError: '',
          lastDurationUs: 0,
          expectEveryMs: null,
          watchedSince: 0,
        },
      };
      this.jobs.set(name, e);
    }
    return e;
  }

  /** These totals as one report (the ledger, a new aggregator's starting point). */
  toReport(): Report {
    return {
      routes: [...this.routes.values()].map((e) => ({
        method: e.method,
        route: e.route,
        classes: e.classes.slice(),
        latency: e.latency.n > 0 ? e.latency : null,
        extra: e.extra.slice(),
        ...(e.apart.latency === null && e.apart.satisfied + e.apart.tolerating === 0
          ? {}
          : { apart: e.apart }),
      })),
      functions: [...this.functions].map(([name, latency]) => ({ name, latency })),
      jobs: [...this.jobs].map(([name, e]) => ({
        name,
        latency: e.latency.n > 0 ? e.latency : null,
        meta: e.meta,
      })),
      queries: this.queries.toReports(),
      custom: this.custom.toReports(),
      dropped: this.dropped.slice(),
      shed: this.shed,
      ...(this.unseen === undefined ? {} : { unseen: this.unseen }),
    };
  }

  /** Requests in these totals. */
  get requests(): number {
    let n = 0;
    for (const e of this.routes.values()) for (const c of e.classes) n += c;
    return n;
  }

  /**
   * Whether this worker folded requests into `* other` (its `maxRoutes` slots were full) and has no row of
   * `method` + `route`: some of that route's requests may then be in its fold (folded-routes.ts).
   */
  mayHaveFolded(method: string, route: string): boolean {
    const other = this.routes.get(`${OTHER_METHOD}${ROUTE_SEP}${OTHER_ROUTE}`);
    return (
      other !== undefined &&
      other.classes.some((n) => n > 0) &&
      !this.routes.has(`${method}${ROUTE_SEP}${route}`)
    );
  }

  private route(method: string, route: string) {
    const key = `${method}${ROUTE_SEP}${route}`;
    let e = this.routes.get(key);
    if (e === undefined) {
      const apart = { latency: null, satisfied: 0, tolerating: 0 };
      e = {
        method,
        route,
        classes: [0, 0, 0, 0, 0],
        extra: [0, 0, 0, 0, 0, 0, 0],
        latency: emptySparse(),
        apart,
      };
      this.routes.set(key, e);
    }
    return e;
  }
}
