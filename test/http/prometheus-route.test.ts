// GET metrics/prometheus through the admin API on a real node:http server, reading a real monitor.

import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAdminApi } from '../../src/http/api.js';
import { PROMETHEUS_CONTENT_TYPE } from '../../src/http/prometheus/options.js';
import { createPrometheusRoute, prometheusRoute } from '../../src/http/prometheus/route.js';
import { ADMIN_ROUTES } from '../../src/http/routes.js';
import { silentLogger } from '../../src/logger.js';
import { createMonitor, type SystemMonitor } from '../../src/monitor.js';
import { parseExposition, sampleValue } from './prometheus-parse.js';

const TOKEN = 'route-test-token';
const BASE = '/api/core/admin/system';

async function listen(server: Server): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

describe('GET metrics/prometheus', () => {
  let monitor: SystemMonitor;
  let server: Server;
  let custom: Server;
  let url: string;
  let customUrl: string;

  beforeAll(async () => {
    monitor = createMonitor({ sampleIntervalMs: 0, logger: silentLogger });
    const api = createAdminApi(monitor, { adminToken: TOKEN, rateLimit: false });
    server = createServer((req, res) => void api.handle(req, res));
    url = await listen(server);
    // A route table with non-default options, as the standalone server or a user could build it.
    const routes = [
      ...ADMIN_ROUTES.filter((r) => r !== prometheusRoute),
      createPrometheusRoute({ prefix: 'shop_' }),
    ];
    const customApi = createAdminApi(monitor, { adminToken: TOKEN, rateLimit: false }, { routes });
    custom = createServer((req, res) => void customApi.handle(req, res));
    customUrl = await listen(custom);
  });

  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve));
    await new Promise((resolve) => custom.close(resolve));
    await monitor.close();
  });

  const scrape = (base = url, init: RequestInit = {}) =>
    fetch(`${base}${BASE}/metrics/prometheus`, {
      ...init,
      headers: { authorization: `Bearer ${TOKEN}`, ...(init.headers as Record<string, string>) },
    });

  it('is registered in the admin route table', () => {
    expect(ADMIN_ROUTES).toContain(prometheusRoute);
  });

  it('answers with the 0.0.4 text format, not cached', async () => {
    const res = await scrape();
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe(PROMETHEUS_CONTENT_TYPE);
    expect(res.headers.get('cache-control')).toBe('no-store');
    const text = await res.text();
    expect(Number(res.headers.get('content-length'))).toBe(Buffer.byteLength(text));
    const families = parseExposition(text);
    expect(sampleValue(families, 'sysvitals_cpu_cores')).toBeGreaterThan(0);
    expect(sampleValue(families, 'sysvitals_memory_total_bytes')).toBeGreaterThan(0);
    expect(sampleValue(families, 'sysvitals_process_resident_memory_bytes')).toBeGreaterThan(0);
  });

  it('exports the monitor’s requests and @timed functions as counters that only grow', async () => {
    monitor.recordRequest({ method: 'GET', route: '/users/:id', status: 200, durationMs: 12 });
    monitor.recordRequest({ method: 'GET', route: '/users/:id', status: 503, durationMs: 700 });
    monitor.recordFunction('Billing.charge', 40, false);
    monitor.recordFunction('Billing.charge', 3, true);
    const first = parseExposition(await (await scrape()).text());
    const users = { method: 'GET', route: '/users/:id' };
    expect(sampleValue(first, 'sysvitals_http_requests_total', { ...users, status_class: '2xx' })).toBe(1);
    expect(sampleValue(first, 'sysvitals_http_requests_total', { ...users, status_class: '5xx' })).toBe(1);
    expect(sampleValue(first, 'sysvitals_http_request_duration_seconds_count')).toBe(2);
    expect(sampleValue(first, 'sysvitals_http_request_duration_seconds_bucket', { le: '0.025' })).toBe(1);
    expect(sampleValue(first, 'sysvitals_http_request_duration_seconds_bucket', { le: '1' })).toBe(2);
    expect(sampleValue(first, 'sysvitals_function_calls_total', { function: 'Billing.charge' })).toBe(2);
    expect(sampleValue(first, 'sysvitals_function_errors_total', { function: 'Billing.charge' })).toBe(1);
    expect(
      sampleValue(first, 'sysvitals_function_duration_seconds_bucket', {
        function: 'Billing.charge',
        le: '0.005',
      }),
    ).toBe(1);

    monitor.recordRequest({ method: 'GET', route: '/users/:id', status: 200, durationMs: 5 });
    const second = parseExposition(await (await scrape()).text());
    expect(sampleValue(second, 'sysvitals_http_requests_total', { ...users, status_class: '2xx' })).toBe(2);
    expect(sampleValue(second, 'sysvitals_http_request_duration_seconds_count')).toBe(3);
  });

  it('requires the same credentials as the rest of the API', async () => {
    const none = await fetch(`${url}${BASE}/metrics/prometheus`);
    expect(none.status).toBe(401);
    expect(none.headers.get('www-authenticate')).toMatch(/^Bearer/);
    const wrong = await scrape(url, { headers: { authorization: 'Bearer nope' } });
    expect(wrong.status).toBe(403);
  });

  it('answers HEAD without a body and refuses other methods', async () => {
    const head = await scrape(url, { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(await head.text()).toBe('');
    expect((await scrape(url, { method: 'POST' })).status).toBe(405);
  });

  it('serves a route built with its own options', async () => {
    const families = parseExposition(await (await scrape(customUrl)).text());
    expect([...families.keys()].every((name) => name.startsWith('shop_'))).toBe(true);
  });
});
