// One contract suite, run against the Express, Fastify and Koa adapters on real servers on port 0, on the majors
// in devDependencies (Express 5, Fastify 5, Koa 3) and on the older majors of the peer ranges (4, 4, 2).

import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import type { AdminApiOptions } from '../../src/http/admin-api-options.js';
import { getJson, nonLoopbackAddress } from '../http/admin-fixture.js';
import { olderMajors } from './framework-modules.js';
import {
  frameworkHarnesses,
  harnesses,
  type RecordingSource,
  type Running,
  recordingSource,
} from './harness.js';

const BASE = '/api/core/admin/system';
const remoteAddress = await nonLoopbackAddress();
if (!remoteAddress) {
  console.warn(
    'no non-loopback IPv4 address here: the non-loopback client tests are skipped (auth.test.ts covers the decision)',
  );
}

// Express's final handler prints the stack of /fail in production mode; keep the test output readable.
beforeAll(() => {
  vi.spyOn(console, 'error').mockImplementation(() => {});
});
afterAll(() => {
  vi.restoreAllMocks();
});

let running: Running[] = [];
afterEach(async () => {
  await Promise.all(running.map((r) => r.close()));
  running = [];
});

/** Waits until the server has recorded `n` requests: recording happens on response end, after the client got it. */
/** The records once there are `n` (each is recorded as its response finishes); a 30 s hang guard, not 200 turns. */
async function recorded(source: RecordingSource, n: number) {
  const guard = Date.now() + 30_000;
  while (source.records.length < n && Date.now() < guard) await new Promise((r) => setTimeout(r, 2));
  return source.records;
}

describe.each([...harnesses, ...frameworkHarnesses(olderMajors())])('$name $major adapter', (harness) => {
  async function start(api: AdminApiOptions<never> = {}, host?: string, source = recordingSource()) {
    const r = await harness.start({ source, api: { rateLimit: false, ...api } }, host);
    running.push(r);
    return { source, url: r.url, base: `${r.url}${BASE}` };
  }

  describe('endpoints', () => {
    it('serve the seed shapes in the envelope with Cache-Control: no-store', async () => {
      const { base } = await start();
      const metrics = await getJson(`${base}/metrics/`);
      expect(metrics.status).toBe(200);
      expect(metrics.headers.get('cache-control')).toBe('no-store');
      expect(metrics.body.success).toBe(true);
      expect(metrics.body.data.cpu).toMatchObject({
        current_percent: 45.2,
        avg_5min_percent: 48.5,
        status: 'healthy',
      });
      expect(metrics.body.data.memory).toMatchObject({ used_percent: 53.1, swap_total_gb: 8 });

      const health = await getJson(`${base}/health?detailed=true`);
      expect(health.body.data).toMatchObject({ status: 'green', health_score: 95, active_alerts: 1 });
      expect(health.body.data.components).toMatchObject({ cpu: 'healthy', disk: 'warning' });
      expect(health.body.data.metrics.timestamp).toBe('2025-12-27T12:34:56.000Z');

      const alerts = await getJson(`${base}/alerts/?history=1&limit=2`);
      expect(alerts.body.data).toMatchObject({ type: 'history', count: 2, timestamp: expect.any(String) });
      expect(alerts.body.data.alerts[0]).toMatchObject({
        component: 'disk',
        severity: 'warning',
        message: 'Disk usage warning on: /',
        duration_seconds: 240,
      });

      const history = await getJson(`${base}/history/?period=1h&instance=all`);
      expect(history.body).toEqual({ success: true, data: { period: '1h', instance: 'all', points: [] } });
    });

    it('health is 503 when red, and speaks application/health+json', async () => {
      const { base, source } = await start();
      source.health = 'red';
      expect((await getJson(`${base}/health/`)).status).toBe(503);
      const ietf = await getJson(`${base}/health/`, { headers: { accept: 'application/health+json' } });
      expect(ietf.status).toBe(503);
      expect(ietf.headers.get('content-type')).toBe('application/health+json');
      expect(ietf.body.status).toBe('fail');
    });
  });

  describe('errors', () => {
    it('400 names the parameter; 404 under the base; 405 with Allow; 500 generic', async () => {
      const { base, source } = await start();
      const bad = await getJson(`${base}/alerts/?limit=5000`);
      expect(bad.status).toBe(400);
      expect(bad.body).toEqual({
        success: false,
        error: { code: 'invalid_parameter', message: expect.stringMatching(/"limit".*1 to 1000/) },
      });
      expect((await getJson(`${base}/alerts/?limit=1&limit=2`)).status).toBe(400);
      const missing = await getJson(`${base}/nope/`);
      expect(missing.status).toBe(404);
      expect(missing.body.error.code).toBe('not_found');
      const post = await getJson(`${base}/metrics/`, { method: 'POST', body: '{}' });
      expect(post.status).toBe(405);
      expect(post.headers.get('allow')).toBe('GET, HEAD');
      const head = await fetch(`${base}/health/`, { method: 'HEAD' });
      expect(head.status).toBe(200);
      expect(await head.text()).toBe('');
      source.fail = new Error('db password is hunter2');
      const failed = await getJson(`${base}/metrics/`);
      expect(failed.status).toBe(500);
      expect(JSON.stringify(failed.body)).not.toMatch(/hunter2|at /);
    });

    it('429 with Retry-After past the rate limit', async () => {
      const { base } = await start({ rateLimit: { max: 2 } });
      expect((await getJson(`${base}/health/`)).status).toBe(200);
      expect((await getJson(`${base}/health/`)).status).toBe(200);
      const limited = await getJson(`${base}/health/`);
      expect(limited.status).toBe(429);
      expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
      expect(limited.body.error.code).toBe('rate_limited');
    });
  });

  describe('auth', () => {
    it('token: 401 with WWW-Authenticate, 403 when wrong, 200 with the bearer token', async () => {
      const { base } = await start({ adminToken: 'contract-token' });
      const none = await getJson(`${base}/metrics/`);
      expect(none.status).toBe(401);
      expect(none.headers.get('www-authenticate')).toBe('Bearer realm="sysvitals"');
      expect((await getJson(`${base}/metrics/`, { headers: { authorization: 'Bearer wrong' } })).status).toBe(
        403,
      );
      expect(
        (await getJson(`${base}/metrics/`, { headers: { authorization: 'Bearer contract-token' } })).status,
      ).toBe(200);
    });

    it("authorize hook: gets the framework's request; false and throwing are 403", async () => {
      const seen: unknown[] = [];
      const { base } = await start({
        authorize: ((request: { headers: Record<string, string> }) => {
          seen.push(request);
          if (request.headers['x-role'] === 'boom') throw new Error('hook exploded');
          return request.headers['x-role'] === 'admin';
        }) as never,
      });
      expect((await getJson(`${base}/health/`, { headers: { 'x-role': 'admin' } })).status).toBe(200);
      expect((await getJson(`${base}/health/`, { headers: { 'x-role': 'user' } })).status).toBe(403);
      const boom = await getJson(`${base}/health/`, { headers: { 'x-role': 'boom' } });
      expect(boom.status).toBe(403);
      expect(boom.body.error.code).toBe('forbidden');
      const framework = { express: 'get', fastify: 'routeOptions', koa: 'state' }[harness.name];
      expect(seen[0]).toHaveProperty(framework);
    });

    it('loopback default: a loopback client is served', async () => {
      const { base } = await start();
      expect((await getJson(`${base}/health/`)).status).toBe(200);
    });

    it.skipIf(!remoteAddress)(
      'loopback default: a non-loopback client is refused on every admin route',
      async () => {
        const { base, url, source } = await start({}, remoteAddress);
        for (const p of ['metrics/', 'health/', 'alerts/', 'history/', 'token/', 'nope']) {
          const r = await getJson(`${base}/${p}`);
          expect(r.status, p).toBe(403);
          expect(r.body.error.code).toBe('forbidden');
        }
        expect((await fetch(`${url}/`)).status).toBe(200); // the app itself is not affected
        expect(source.calls).toEqual([]);
      },
    );

    it('loopback default with trustProxy: the X-Forwarded-For client decides', async () => {
      const { base } = await start({ trustProxy: 1 });
      expect(
        (await getJson(`${base}/health/`, { headers: { 'x-forwarded-for': '203.0.113.5' } })).status,
      ).toBe(403);
      expect((await getJson(`${base}/health/`, { headers: { 'x-forwarded-for': '127.0.0.1' } })).status).toBe(
        200,
      );
    });
  });

  describe('recording', () => {
    it('records route templates, not raw URLs; unmatched requests fold into one name', async () => {
      const { url, source } = await start();
      for (const p of ['/', '/users/1', '/users/2', '/api/items/7', '/nope/123', '/nope/456'])
        await fetch(`${url}${p}`);
      const records = await recorded(source, 6);
      expect(records.map((r) => [r.method, r.route, r.status])).toEqual([
        ['GET', '/', 200],
        ['GET', '/users/:id', 200],
        ['GET', '/users/:id', 200],
        ['GET', '/api/items/:id', 200],
        ['GET', 'unmatched', 404],
        ['GET', 'unmatched', 404],
      ]);
      for (const r of records) expect(r.durationMs).toBeGreaterThanOrEqual(0);
    });

    it('counts thrown errors with the status the framework sends (500)', async () => {
      const { url, source } = await start();
      expect((await fetch(`${url}/fail`)).status).toBe(500);
      expect((await fetch(`${url}/api/broken/3`)).status).toBe(500);
      const records = await recorded(source, 2);
      expect(records.map((r) => [r.route, r.status])).toEqual([
        ['/fail', 500],
        ['/api/broken/:id', 500],
      ]);
    });

    it('does not count admin requests as application traffic', async () => {
      const { base, url, source } = await start();
      await getJson(`${base}/metrics/`);
      await getJson(`${base}/nope`);
      await getJson(`${base}/health/`, { method: 'DELETE' });
      await fetch(`${url}/users/9`);
      // The admin requests ended before /users/9 was sent: had they been recorded, they would be before it.
      const records = await recorded(source, 1);
      expect(records.map((r) => r.route)).toEqual(['/users/:id']);
    });

    it('leaves application responses untouched (same status, body and headers as without sysvitals)', async () => {
      const bare = await harness.start('bare');
      running.push(bare);
      const { url } = await start();
      for (const p of ['/', '/users/5', '/teapot', '/fail', '/nope', '/api/core/admin/systemic']) {
        const [a, b] = await Promise.all([fetch(`${bare.url}${p}`), fetch(`${url}${p}`)]);
        expect(b.status, p).toBe(a.status);
        expect(await b.text(), p).toBe(await a.text());
        const headers = (h: Headers) => {
          const out: [string, string][] = [];
          h.forEach((value, name) => {
            if (name !== 'date' && name !== 'keep-alive') out.push([name, value]);
          });
          return out;
        };
        expect(headers(b.headers), p).toEqual(headers(a.headers));
      }
    });
  });
});
