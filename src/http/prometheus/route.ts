// The `GET metrics/prometheus` admin route.

import { identifierParam } from '../params.js';
import { setCommonHeaders } from '../respond.js';
import { type AdminRoute, checkInstance, defineRoute } from '../route.js';
import { collectPrometheusData, type PrometheusSource } from './data.js';
import { PROMETHEUS_CONTENT_TYPE, type PrometheusOptions, parsePrometheusOptions } from './options.js';
import { DEFAULT_PROMETHEUS_CONFIG, renderPrometheus } from './render.js';

/**
 * `GET metrics/prometheus` with the given options (`prometheusRoute` uses the defaults). Same auth
 * as the rest of the admin API: a bearer token works with Prometheus's `authorization` scrape setting.
 */
export function createPrometheusRoute(options?: PrometheusOptions): AdminRoute {
  const own = options === undefined ? undefined : parsePrometheusOptions(options);
  return defineRoute({
    path: 'metrics/prometheus',
    query: { instance: identifierParam() },
    async handle({ res, source, config, query }) {
      if (!checkInstance(res, source, query.instance)) return;
      // A config parsed by the admin API (its `prometheus` option) wins over the defaults.
      const prom = own ?? config.prometheus ?? DEFAULT_PROMETHEUS_CONFIG;
      // A failure here reaches the admin API's handler: a 500 that Prometheus records as `up == 0`, logged once.
      const data = await collectPrometheusData(
        source as PrometheusSource,
        config.metricsMaxAgeMs,
        query.instance,
      );
      const body = renderPrometheus(data, prom);
      setCommonHeaders(res);
      res.statusCode = 200;
      res.setHeader('content-type', PROMETHEUS_CONTENT_TYPE);
      res.setHeader('content-length', Buffer.byteLength(body));
      res.end(body);
    },
  });
}

export const prometheusRoute: AdminRoute = createPrometheusRoute();
