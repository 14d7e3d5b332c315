// The seed's four admin endpoints (metrics, health, alerts, history) and the access-token endpoint.

import { HISTORY_PERIODS } from '../history/periods.js';
import { healthHttpStatus, healthJsonDocument, wantsHealthJson } from './health-json.js';
import { booleanParam, enumParam, INVALID, identifierParam, integerParam, type Param } from './params.js';
import { sendData, sendError, sendJson } from './respond.js';
import { checkInstance, checkWorkerInstance, defineRoute } from './route.js';

/** `{ instance }` for the source's reads, or nothing (the source's default). */
const instanceOption = (instance: string | undefined) => (instance === undefined ? {} : { instance });

export const metricsRoute = defineRoute({
  path: 'metrics',
  query: { instance: identifierParam() },
  async handle({ res, source, config, query }) {
    if (!checkInstance(res, source, query.instance)) return;
    sendData(
      res,
      await source.getMetrics({ maxAgeMs: config.metricsMaxAgeMs, ...instanceOption(query.instance) }),
    );
  },
});

export const healthRoute = defineRoute({
  path: 'health',
  query: { detailed: booleanParam(false), instance: identifierParam() },
  async handle({ req, res, source, query }) {
    if (!checkInstance(res, source, query.instance)) return;
    const instance = instanceOption(query.instance);
    if (wantsHealthJson(req.headers.accept)) {
      // The IETF draft format needs the observed values, so it always reads the detailed health.
      const doc = healthJsonDocument(
        await source.getHealth({ detailed: true, ...instance }),
        source.instanceId,
      );
      sendJson(res, doc.status === 'fail' ? 503 : 200, doc, undefined, 'application/health+json');
      return;
    }
    const status = await source.getHealth({ detailed: query.detailed, ...instance });
    // 503 on red, as Kubernetes probes and Spring Boot users expect; the body is the same document.
    sendData(res, status, healthHttpStatus(status.status));
  },
});

export const alertsRoute = defineRoute({
  path: 'alerts',
  query: { history: booleanParam(false), limit: integerParam(1, 1000, 100), instance: identifierParam() },
  async handle({ res, source, query, now }) {
    if (!checkInstance(res, source, query.instance)) return;
    const alerts = await source.getAlerts({
      history: query.history,
      limit: query.limit,
      ...instanceOption(query.instance),
    });
    sendData(res, {
      type: query.history ? 'history' : 'active',
      count: alerts.length,
      alerts,
      timestamp: new Date(now()).toISOString(),
    });
  },
});

/** What history/?route= and ?job= read (the monitor's one-minute series, and the routes it recorded). */
interface SeriesSource {
  readonly series?: {
    route(route: string, method?: string): unknown;
    job(name: string): unknown;
  };
  readonly requests?: {
    routeTotals(): Iterable<{ method: string; route: string }>;
    abortedTotals?(): Iterable<{ method: string; route: string }>;
  };
}

/**
 * A route the monitor recorded requests on (it is in routes/) but that has no one-minute points: none of
 * its minutes has closed yet, or it is not among the busiest. Its method (the first one when none is
 * given), or undefined for a route never seen.
 */
function recordedMethod(source: SeriesSource, route: string, method?: string): string | undefined {
  const requests = source.requests;
  if (requests === undefined) return undefined;
  for (const rows of [requests.routeTotals(), requests.abortedTotals?.() ?? []]) {
    for (const r of rows)
      if (r.route === route && (method === undefined || r.method === method)) return r.method;
  }
  return undefined;
}

/** A route template, method or job name: printable text without control characters, up to 1,000 characters. */
function textParam(what: string): Param<string | undefined> {
  return {
    allowed: `${what} (printable text, at most 1000 characters)`,
    default: undefined,
    parse(raw) {
      // biome-ignore lint/suspicious/noControlCharactersInRegex: refusing control characters is the point
      return raw.length > 0 && raw.length <= 1000 && !/[\u0000-\u001f\u007f]/.test(raw) ? raw : INVALID;
    },
  };
}

export const historyRoute = defineRoute({
  path: 'history',
  query: {
    period: enumParam(HISTORY_PERIODS, '24h'),
    instance: identifierParam(),
    route: textParam('a route template such as /users/:id'),
    method: textParam('an HTTP method such as GET'),
    job: textParam('a job name'),
  },
  async handle({ res, source, query }) {
    // Outside cluster mode `instance` may name any instance of the store (the fleet view): not checked here.
    const cluster = (source as { supportsInstances?: boolean }).supportsInstances;
    if (cluster && query.instance !== undefined && !checkWorkerInstance(res, query.instance)) return;
    // `method` narrows a route's history: alone it would silently return the host's (red-team F5).
    if (query.method !== undefined && query.route === undefined) {
      sendError(
        res,
        400,
        'invalid_parameter',
        '`method` needs `route` (history/?route=/users/:id&method=GET)',
      );
      return;
    }
    // One-minute points of one route (the busiest N) or one job, from this process. A route recorded but
    // with no points yet (its first minute is still open; or not among the busiest) is known: 200, no points.
    if (query.route !== undefined || query.job !== undefined) {
      const src = source as SeriesSource;
      const series = src.series;
      let found =
        query.route !== undefined
          ? series?.route(query.route, query.method)
          : series?.job(query.job as string);
      if (!found && series && query.route !== undefined) {
        const method = recordedMethod(src, query.route, query.method);
        if (method !== undefined) found = { method, route: query.route, points: [] };
      }
      if (!found) {
        const message = !series
          ? (source as { supportsInstances?: boolean }).supportsInstances
            ? 'cluster mode: one-minute route and job history is kept per process, not merged across workers'
            : 'this monitor keeps no one-minute route or job history'
          : query.route !== undefined
            ? `no requests recorded on route ${JSON.stringify(query.route)}${query.method !== undefined ? ` with method ${JSON.stringify(query.method)}` : ''}`
            : `no one-minute history for job ${JSON.stringify(query.job)} (only recorded jobs have one)`;
        sendError(res, 404, 'not_found', message);
        return;
      }
      sendData(res, query.route !== undefined ? found : { job: query.job, points: found });
      return;
    }
    sendData(res, await source.getHistory({ period: query.period, ...instanceOption(query.instance) }));
  },
});

/** A short-lived signed token for `?access_token=`, for EventSource, which cannot send headers. */
export const tokenRoute = defineRoute({
  path: 'token',
  noAccessToken: true,
  handle({ res, issueAccessToken }) {
    // Signed with this admin API's own key: it opens this API and its WebSocket, no other.
    sendData(res, issueAccessToken());
  },
});
