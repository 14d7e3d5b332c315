// A really blocked event loop on real Express, Fastify and Koa servers: the process component's status is the
// measured event-loop delay p99 judged against the event_loop_delay levels (100 / 500 ms), in metrics/, health/
// (red, HTTP 503), Prometheus' component_status, and a critical event_loop_delay alert on `process`
// (outside review F3: 100 % utilisation and a 1.5 s delay read "healthy", green 99).

import { describe, expect, it } from 'vitest';
import { harnesses } from '../adapters/harness.js';
import { servedMonitors } from '../adapters/served-monitor.js';
import { blockLoop, httpGet } from '../helpers/http-get.js';

const TOKEN = 'blocked-loop-token-0123456789';

const admin = (url: string, path: string) =>
  httpGet(`${url}/api/core/admin/system/${path}`, { authorization: `Bearer ${TOKEN}` });

const turn = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The oracle: the documented levels applied to the measured p99. */
const expected = (p99: number) => (p99 >= 500 ? 'critical' : p99 >= 100 ? 'warning' : 'healthy');

const serve = servedMonitors(TOKEN);

describe.each(harnesses)('a blocked event loop on $name', (harness) => {
  it('makes the process component critical from the measured delay, with an event_loop_delay alert', async () => {
    const { monitor, url } = await serve(harness);
    expect((await admin(url, 'metrics')).status).toBe(200); // the admin API's handlers loaded
    await monitor.sample(); // the interval measured starts here

    // Two 600 ms blocks with a turn of the loop between: the delay histogram's ticks due during each block run
    // after it, so most of the few intervals it records are ≥ 580 ms (a busier machine makes them longer).
    blockLoop(600);
    await turn(30);
    blockLoop(600);
    await turn(30);
    const snapshot = await monitor.sample();
    const p99 = snapshot.process.event_loop_delay_p99_ms;
    const seen = JSON.stringify({
      process: snapshot.process.status,
      p99,
      max: snapshot.process.event_loop_delay_max_ms,
    });
    expect(p99, seen).toBeGreaterThanOrEqual(500);
    expect(snapshot.process.status).toBe(expected(p99));
    expect(snapshot.process.threshold).toBe(100);

    const health = await admin(url, 'health');
    const body = JSON.parse(health.body).data;
    expect(body.components.process, seen).toBe(expected(p99));
    expect(body.status, JSON.stringify(body)).toBe('red');
    expect(health.status).toBe(503);
    const metrics = JSON.parse((await admin(url, 'metrics')).body).data;
    expect(metrics.process.status).toBe(expected(p99));
    const { alerts } = JSON.parse((await admin(url, 'alerts')).body).data;
    const alert = alerts.find((a: { rule: string }) => a.rule === 'event_loop_delay');
    expect(alert, JSON.stringify(alerts)).toMatchObject({
      component: 'process',
      severity: 'critical',
      value: p99,
      threshold: 500,
    });
    const scrape = (await admin(url, 'metrics/prometheus')).body;
    expect(scrape).toContain('sysvitals_component_status{component="process",status="critical"} 1');
    expect(scrape).toMatch(
      /^sysvitals_alerts\{alertname="event_loop_delay",component="process",severity="critical"/m,
    );

    // The next interval is judged on its own delay, whatever it is on this machine.
    await turn(100);
    const next = await monitor.sample();
    expect(next.process.status, JSON.stringify(next.process)).toBe(
      expected(next.process.event_loop_delay_p99_ms),
    );
  });
});
