// The seed's four admin endpoints (metrics, health, alerts, history) and the access-token endpoint.

import { HISTORY_PERIODS } from '../history/periods.js';
import { healthHttpStatus, healthJsonDocument, wantsHealthJson } from './health-json.js';
import { booleanParam, enumParam, identifierParam, integerParam } from './params.js';
import { sendData, sendJson } from './respond.js';
import { checkInstance, defineRoute } from './route.js';

/** `{ instance }` for the source's reads, or nothing (the source's default). */
const instanceOption = (instance: string | undefined) => (instance === undefined ? {} : { instance });

export const metricsRoute = defineRoute({
  path: 'metrics',
  query: { instance: identifierParam() },
  async handle({ res, source, config, query }) {
    if (!checkInstance(res, source, query.instance)) return;
    sendData(res, await source.getMetrics(config.metricsMaxAgeMs, instanceOption(query.instance)));
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
      const doc = healthJsonDocument(await source.getHealth(true, instance), source.instanceId);
      sendJson(res, doc.status === 'fail' ? 503 : 200, doc, undefined, 'application/health+json');
      return;
    }
    const status = await source.getHealth(query.detailed, instance);
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

export const historyRoute = defineRoute({
  path: 'history',
  query: { period: enumParam(HISTORY_PERIODS, '24h'), instance: identifierParam() },
  async handle({ res, source, query }) {
    const opts = query.instance === undefined ? undefined : { instance: query.instance };
    sendData(res, await source.history(query.period, opts));
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
