// `GET queries/` and `GET jobs/`: database query statistics by fingerprint with the slow-query log, and
// background job runs. Served from the monitor's own figures; no collection needed.

import { ENDPOINT_SORTS, type EndpointRow, type EndpointSort } from '../profiling/endpoints.js';
import type { JobRow } from '../profiling/jobs.js';
import type { QueryReport } from '../profiling/query-stats.js';
import { enumParam, identifierParam, integerParam } from './params.js';
import { sendData, sendError } from './respond.js';
import { checkInstance, defineRoute } from './route.js';

/** What these routes read from the monitor (optional members of the AdminSource). */
export interface ProfilingSource {
  readonly queries?: { report(): QueryReport };
  readonly jobs?: { rows(): JobRow[] };
  /** In cluster mode a promise, for the cluster (merged by the aggregator) or one worker (`instance`). */
  endpoints?(
    sort: EndpointSort,
    limit: number,
    instance?: string,
  ):
    | { window_seconds: number; apdex: unknown; routes: EndpointRow[] }
    | Promise<{ window_seconds: number; apdex: unknown; routes: EndpointRow[] }>;
  /** Cluster mode: the cluster's job table, or one worker's own query or job table (`instance=<worker>`). */
  workerTable?(table: 'queries', instance: string): Promise<QueryReport>;
  workerTable?(table: 'jobs', instance: string): Promise<JobRow[]>;
}

/**
 * Cluster mode: one worker's table when `instance` names a worker, the cluster's when the table is
 * merged across workers (`merged`); undefined otherwise (and outside cluster mode).
 */
function workerTable<T>(
  source: unknown,
  table: 'queries' | 'jobs',
  instance: string | undefined,
  merged = false,
): Promise<T> | undefined {
  const src = source as { workerTable?(t: string, i: string): Promise<T> };
  if (typeof src.workerTable !== 'function') return undefined;
  if (instance === undefined || instance === 'all') return merged ? src.workerTable(table, 'all') : undefined;
  return src.workerTable(table, instance);
}

/** The 404 when the source has no such table: in cluster mode it exists per worker but is not merged yet. */
function missing(source: unknown, what: string, table: string): string {
  return (source as { supportsInstances?: boolean }).supportsInstances
    ? `cluster mode: ${table} is not merged across workers yet (each worker's own: ?instance=<worker>)`
    : `this monitor records no ${what}`;
}

export const routesRoute = defineRoute({
  path: 'routes',
  query: {
    sort: enumParam(ENDPOINT_SORTS, 'time'),
    limit: integerParam(1, 1000, 100),
    instance: identifierParam(),
  },
  async handle({ res, source, query }) {
    const src = source as ProfilingSource;
    if (typeof src.endpoints !== 'function') {
      sendError(res, 404, 'not_found', missing(source, 'requests', 'routes/'));
      return;
    }
    if (!checkInstance(res, source, query.instance)) return;
    // Cluster mode: every worker's routes merged (counts summed, percentiles from the merged counts).
    sendData(res, await src.endpoints(query.sort, query.limit, query.instance));
  },
});

const QUERY_SORTS = ['time', 'count', 'p95', 'errors'] as const;

export const queriesRoute = defineRoute({
  path: 'queries',
  query: {
    sort: enumParam(QUERY_SORTS, 'time'),
    limit: integerParam(1, 1000, 100),
    instance: identifierParam(),
  },
  async handle({ res, source, query }) {
    if (!checkInstance(res, source, query.instance)) return;
    const queries = (source as ProfilingSource).queries;
    // Cluster mode: every worker's queries merged by the aggregator (or one worker's).
    const one = workerTable<QueryReport>(source, 'queries', query.instance, true);
    if (!queries && !one) {
      sendError(res, 404, 'not_found', missing(source, 'database queries', 'queries/'));
      return;
    }
    const report = one ? await one : (queries as { report(): QueryReport }).report();
    const key = { time: 'total_ms', count: 'count', p95: 'p95_ms', errors: 'errors' } as const;
    const field = key[query.sort];
    report.fingerprints.sort((a, b) => b[field] - a[field] || b.count - a.count);
    report.fingerprints = report.fingerprints.slice(0, query.limit);
    sendData(res, report);
  },
});

export const jobsRoute = defineRoute({
  path: 'jobs',
  query: { limit: integerParam(1, 1000, 100), instance: identifierParam() },
  async handle({ res, source, query, now }) {
    if (!checkInstance(res, source, query.instance)) return;
    const jobs = (source as ProfilingSource).jobs;
    // Cluster mode: every worker's runs merged by the aggregator (or one worker's).
    const one = workerTable<JobRow[]>(source, 'jobs', query.instance, true);
    if (!jobs && !one) {
      sendError(res, 404, 'not_found', missing(source, 'jobs', 'jobs/'));
      return;
    }
    const rows = one ? await one : (jobs as { rows(): JobRow[] }).rows();
    sendData(res, {
      count: rows.length,
      stale: rows.filter((r) => r.stale).map((r) => r.name),
      jobs: rows.slice(0, query.limit),
      timestamp: new Date(now()).toISOString(),
    });
  },
});
