// Load shedding in the verdict, on real Express, Fastify and Koa servers: while requests are refused with 503,
// the `requests` component is critical in health/ (red, HTTP 503, health+json "fail"), in metrics/ and in
// Prometheus' component_status, like the critical load_shedding alert on it; and a scrape counts the shed
// requests live, like the request counters, not from the cached snapshot (outside review F1, F2).

import { describe, expect, it } from 'vitest';
import type { LoadReading } from '../../src/lifecycle/load-watch.js';
import { harnesses } from '../adapters/harness.js';
import { servedMonitors } from '../adapters/served-monitor.js';
import { httpGet as get } from '../helpers/http-get.js';

const TOKEN = 'shed-verdict-token-0123456789';
const ADMIN = '/api/core/admin/system';

const admin = (url: string, path: string, headers: Record<string, string> = {}) =>
  get(`${url}${ADMIN}/${path}`, { authorization: `Bearer ${TOKEN}`, ...headers });

/** The value of one Prometheus sample line, or undefined when absent. */
function sample(text: string, series: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

const serve = servedMonitors(TOKEN);

describe.each(harnesses)('load shedding in the verdict on $name', (harness) => {
  it('refused clients make requests critical everywhere; the scrape counts them live', async () => {
    const load: LoadReading = { eventLoopDelayMs: 0, eventLoopUtilization: 0, heapUsedBytes: 0, rssBytes: 0 };
    // The test takes the load readings itself (a long interval: no timer reading races it).
    const { monitor, url } = await serve(harness, {
      shed: { maxEventLoopDelayMs: 100, sampleIntervalMs: 3_600_000 },
      loadReader: () => ({ ...load }),
    });
    expect((await admin(url, 'metrics')).status).toBe(200); // the admin API's handlers loaded
    expect((await get(`${url}/`)).status).toBe(200);
    await monitor.sample();

    load.eventLoopDelayMs = 300; // over the 100 ms limit: the next reading sheds
    monitor.lifecycle.readLoad();
    const replies = await Promise.all(Array.from({ length: 25 }, () => get(`${url}/users/7`)));
    // The oracle: what the clients got.
    const refused = replies.filter((r) => r.status === 503).length;
    expect(refused).toBe(25);
    await monitor.sample();

    const health = await admin(url, 'health');
    const body = JSON.parse(health.body).data;
    expect(body.components.requests).toBe('critical');
    expect(body.status).toBe('red');
    expect(health.status).toBe(503);
    const ietf = await admin(url, 'health', { accept: 'application/health+json' });
    expect(JSON.parse(ietf.body).status).toBe('fail');
    expect((await get(`${url}/readyz`)).status).toBe(503); // the probe agrees with health/
    const metrics = JSON.parse((await admin(url, 'metrics')).body).data;
    expect(metrics.requests.status).toBe('critical');
    expect(metrics.requests.shed_total).toBe(refused);
    const { alerts } = JSON.parse((await admin(url, 'alerts')).body).data;
    expect(alerts.find((a: { rule: string }) => a.rule === 'load_shedding')).toMatchObject({
      component: 'requests',
      severity: 'critical',
    });

    // Ten more refused after the sample: the scrape's counter is live (the snapshot it reads still says 25).
    const more = await Promise.all(Array.from({ length: 10 }, () => get(`${url}/`)));
    const total = refused + more.filter((r) => r.status === 503).length;
    expect(total).toBe(35);
    const scrape = (await admin(url, 'metrics/prometheus')).body;
    expect(sample(scrape, 'sysvitals_requests_shed_total')).toBe(total);
    expect(sample(scrape, 'sysvitals_component_status{component="requests",status="critical"}')).toBe(1);
    expect(sample(scrape, 'sysvitals_component_status{component="requests",status="healthy"}')).toBe(0);
    expect(sample(scrape, 'sysvitals_health_status{status="red"}')).toBe(1);

    // The load is back under the limit: the next sample without shedding gives the component back.
    load.eventLoopDelayMs = 0;
    monitor.lifecycle.readLoad();
    expect((await get(`${url}/users/7`)).status).toBe(200);
    const after = await monitor.sample();
    expect(after.requests.shedding).toBeNull();
    expect(after.requests.status).toBe('healthy');
    expect(JSON.parse((await admin(url, 'health')).body).data.components.requests).toBe('healthy');
  });
});
