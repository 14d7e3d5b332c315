// The seed's four admin endpoints (metrics, health, alerts, history) and the access-token endpoint.

import { SysvitalsError } from '../errors.js';
import { HISTORY_PERIODS } from '../history/periods.js';
import {
  type JobHistorySource,
  jobFoldNote,
  type RouteHistory,
  type RouteHistorySource,
  readJobHistory,
  readRouteHistory,
  routeFoldNote,
} from '../profiling/route-history-read.js';
import { healthHttpStatus, healthJsonDocument, wantsHealthJson } from './health-json.js';
import { booleanParam, enumParam, INVALID, identifierParam, integerParam, type Param } from './params.js';
import { sendData, sendError, sendJson } from './respond.js';
import { checkHistoryInstance, checkInstance, checkWorkerInstance, defineRoute } from './route.js';

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

/** Cluster mode: a route's or job's points from the aggregator (the cluster's merged minutes) or from one worker. */
interface ClusterRouteSource {
  routeHistory?(route: string, method?: string, instance?: string): Promise<RouteHistory | null>;
  jobHistory?(job: string, instance?: string): Promise<unknown[] | null>;
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
    // Outside cluster mode `instance` may name any instance with history in the store (the fleet view): checked
    // against what the store holds for the period (checkHistoryInstance), below.
    const cluster = (source as { supportsInstances?: boolean }).supportsInstances;
    if (cluster && query.instance !== undefined && !checkWorkerInstance(res, query.instance)) return;
    // One process's route and job series are its own (in memory, not in the store): this instance or `all`.
    const ownSeries = query.route !== undefined || query.job !== undefined;
    if (!cluster && ownSeries && !checkInstance(res, source, query.instance)) return;
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
    if (query.route !== undefined) {
      const route = query.route;
      const onRoute = `route ${JSON.stringify(route)}${query.method !== undefined ? ` with method ${JSON.stringify(query.method)}` : ''}`;
      // Cluster mode: the cluster's (merged by the aggregator; instance=all too) or one worker's (instance=).
      const perCluster = source as ClusterRouteSource;
      if (typeof perCluster.routeHistory === 'function') {
        const found = await perCluster.routeHistory(route, query.method, query.instance);
        if (found) sendData(res, found);
        else {
          const where =
            query.instance === undefined || query.instance === 'all'
              ? 'the cluster'
              : `worker ${JSON.stringify(query.instance)}`;
          sendError(res, 404, 'not_found', `no requests recorded on ${onRoute} in ${where}`);
        }
        return;
      }
      // One process: its points (the busiest N routes); a route recorded without points yet is 200, no points.
      const found = readRouteHistory(source as RouteHistorySource, route, query.method);
      if (found) sendData(res, found);
      else if (!(source as RouteHistorySource).series)
        sendError(res, 404, 'not_found', 'this monitor keeps no one-minute route or job history');
      else {
        const fold = routeFoldNote(source as RouteHistorySource);
        sendError(
          res,
          404,
          'not_found',
          `no requests recorded on ${onRoute}${fold ? ' under its own name' : ''}${fold}`,
        );
      }
      return;
    }
    if (query.job !== undefined) {
      const noPoints = `no one-minute history for job ${JSON.stringify(query.job)}`;
      // Cluster mode: the cluster's (merged by the aggregator; instance=all too) or one worker's (instance=).
      const perCluster = source as ClusterRouteSource;
      if (typeof perCluster.jobHistory === 'function') {
        const points = await perCluster.jobHistory(query.job, query.instance);
        if (points) sendData(res, { job: query.job, points });
        else {
          const where =
            query.instance === undefined || query.instance === 'all'
              ? 'the cluster'
              : `worker ${JSON.stringify(query.instance)}`;
          sendError(res, 404, 'not_found', `${noPoints} in ${where}: no such job was recorded`);
        }
        return;
      }
      // One process: its points; a job recorded without points yet (jobs/ lists it) is 200, no points, as a route.
      const found = readJobHistory(source as JobHistorySource, query.job);
      if (!found) {
        const fold = jobFoldNote(source as JobHistorySource);
        const message = !(source as JobHistorySource).series
          ? 'this monitor keeps no one-minute route or job history'
          : `${noPoints}: no such job was recorded${fold ? ' under its own name' : ''}${fold}`;
        sendError(res, 404, 'not_found', message);
        return;
      }
      sendData(res, { job: query.job, points: found });
      return;
    }
    // getHistory() throws ERR_SYSVITALS_INVALID_OPTION for an instance with no history (RT34-3): the 400 below.
    const history = await source
      .getHistory({ period: query.period, ...instanceOption(query.instance) })
      .catch((err: unknown) => {
        const typo = !cluster && query.instance !== undefined;
        if (typo && err instanceof SysvitalsError && err.code === 'ERR_SYSVITALS_INVALID_OPTION') return null;
        throw err;
      });
    const points = (history as { points?: unknown[] } | null)?.points;
    if (!cluster && !checkHistoryInstance(res, source, query.instance, query.period, points)) return;
    sendData(res, history);
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
