import { afterEach, describe, expect, it } from 'vitest';
import { SysvitalsError } from '../../src/errors.js';
import { type AdminApiOptions, normalizeBasePath } from '../../src/http/admin-api-options.js';
import { createAdminApi } from '../../src/http/api.js';
import {
  type FakeSource,
  fakeSource,
  getJson,
  nonLoopbackAddress,
  type Served,
  serve,
} from './admin-fixture.js';

const BASE = '/api/core/admin/system';
const remoteAddress = await nonLoopbackAddress();
if (!remoteAddress)
  console.warn(
    'no non-loopback IPv4 address here: the non-loopback client test is skipped (auth.test.ts covers the decision)',
  );
let served: Served[] = [];
afterEach(async () => {
  await Promise.all(served.map((s) => s.close()));
  served = [];
});

async function start(options: AdminApiOptions = {}, source: FakeSource = fakeSource(), host?: string) {
  const api = createAdminApi(source, { rateLimit: false, ...options });
  const s = await serve(async (req, res) => {
    if (await api.handle(req, res)) return;
    res.setHeader('x-app', 'yes');
    res.end('app');
  }, host);
  served.push(s);
  return { api, source, url: s.url, base: `${s.url}${BASE}` };
}

describe('admin API endpoints (loopback client, default options)', () => {
  it('metrics/ returns the snapshot in the envelope, with the cache window', async () => {
    const { base, source } = await start({ metricsMaxAgeMs: 2500 });
    const r = await getJson(`${base}/metrics/`);
    expect(r.status).toBe(200);
    expect(r.headers.get('cache-control')).toBe('no-store');
    expect(r.headers.get('content-type')).toBe('application/json; charset=utf-8');
    expect(r.body.success).toBe(true);
    expect(Object.keys(r.body.data)).toEqual(
      expect.arrayContaining([
        'timestamp',
        'cpu',
        'memory',
        'disk',
        'network',
        'database',
        'redis',
        'websocket',
      ]),
    );
    expect(r.body.data.cpu).toMatchObject({ current_percent: 45.2, avg_5min_percent: 48.5, core_count: 4 });
    expect(source.calls).toEqual([{ method: 'getMetrics', args: [2500] }]);
  });

  it('answers with or without the trailing slash', async () => {
    const { base } = await start();
    for (const p of ['metrics', 'metrics/', 'health', 'health/', 'alerts', 'history/']) {
      expect((await getJson(`${base}/${p}`)).status, p).toBe(200);
    }
  });

  it('health/ is the seed shape, detailed adds metrics, red is 503 with the same document', async () => {
    const { base, source } = await start();
    const plain = await getJson(`${base}/health/`);
    expect(plain.status).toBe(200);
    expect(plain.body.data).toEqual({
      status: 'green',
      timestamp: '2025-12-27T12:34:56.000Z',
      health_score: 95,
      components: expect.objectContaining({ cpu: 'healthy', disk: 'warning' }),
      active_alerts: 1,
    });
    const detailed = await getJson(`${base}/health/?detailed=true`);
    expect(detailed.body.data.metrics.cpu.current_percent).toBe(45.2);
    source.health = 'yellow';
    expect((await getJson(`${base}/health/`)).status).toBe(200);
    source.health = 'red';
    const red = await getJson(`${base}/health/`);
    expect(red.status).toBe(503);
    expect(red.body).toMatchObject({ success: true, data: { status: 'red' } });
  });

  it('health/ with Accept: application/health+json answers in the IETF draft format', async () => {
    const { base, source } = await start();
    const accept = { headers: { accept: 'application/health+json' } };
    const r = await getJson(`${base}/health/`, accept);
    expect(r.status).toBe(200);
    expect(r.headers.get('content-type')).toBe('application/health+json');
    expect(r.headers.get('cache-control')).toBe('no-store');
    expect(r.body).toMatchObject({ status: 'pass', serviceId: 'test-host:1' });
    expect(r.body.checks['cpu:utilization']).toEqual([
      {
        componentType: 'system',
        observedValue: 45.2,
        observedUnit: 'percent',
        status: 'pass',
        time: '2025-12-27T12:34:56.000Z',
      },
    ]);
    expect(r.body.checks['disk:utilization'][0].status).toBe('warn');
    expect(r.body.checks['redis:responseTime'][0]).toMatchObject({
      status: 'fail',
      output: 'connect ECONNREFUSED',
    });
    expect(r.body.checks['database:responseTime']).toBeUndefined(); // unknown and not failing: not configured
    source.health = 'yellow';
    expect((await getJson(`${base}/health/`, accept)).body.status).toBe('warn');
    source.health = 'red';
    const red = await getJson(`${base}/health/`, accept);
    expect(red.status).toBe(503);
    expect(red.body.status).toBe('fail');
  });

  it('alerts/ returns type, count, alerts and timestamp; history and limit are passed on', async () => {
    const { base, source } = await start();
    const active = await getJson(`${base}/alerts/`);
    expect(active.body.data).toEqual({
      type: 'active',
      count: 1,
      alerts: [expect.objectContaining({ component: 'disk', severity: 'warning', duration_seconds: 240 })],
      timestamp: '2025-12-27T12:34:56.000Z',
    });
    const history = await getJson(`${base}/alerts/?history=true&limit=1`);
    expect(history.body.data).toMatchObject({ type: 'history', count: 1 });
    expect(source.calls.map((c) => c.args[0])).toEqual([
      { history: false, limit: 100 },
      { history: true, limit: 1 },
    ]);
  });

  it('history/ defaults to 24h and passes period and instance on', async () => {
    const { base, source } = await start();
    expect((await getJson(`${base}/history/`)).body).toEqual({
      success: true,
      data: { period: '24h', instance: 'test-host:1', points: [] },
    });
    await getJson(`${base}/history/?period=7d&instance=all`);
    expect(source.calls.map((c) => c.args)).toEqual([
      ['24h', undefined],
      ['7d', { instance: 'all' }],
    ]);
  });
});

describe('admin API errors', () => {
  it('leaves paths outside the base to the application', async () => {
    const { url } = await start();
    for (const p of ['/', '/api/core/admin/systemx', '/api/core/admin', `/x${BASE}/metrics`]) {
      const res = await fetch(`${url}${p}`);
      expect(res.headers.get('x-app'), p).toBe('yes');
      expect(await res.text()).toBe('app');
    }
  });

  it('404 for an unknown path under the base, with the envelope and the list of endpoints', async () => {
    const { base } = await start();
    for (const p of ['', '/', '/nope', '/metrics//', '/metrics/x', '/..%2f..%2fetc%2fpasswd']) {
      const r = await getJson(`${base}${p}`);
      expect(r.status, p).toBe(404);
      expect(r.headers.get('cache-control')).toBe('no-store');
      expect(r.body).toEqual({
        success: false,
        error: { code: 'not_found', message: expect.stringContaining('metrics/') },
      });
    }
  });

  it('405 for other methods, with Allow; HEAD is GET without a body', async () => {
    const { base } = await start();
    for (const method of ['POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS']) {
      const r = await getJson(`${base}/metrics/`, { method });
      expect(r.status, method).toBe(405);
      expect(r.headers.get('allow')).toBe('GET, HEAD');
      expect(r.body.error.code).toBe('method_not_allowed');
    }
    const head = await fetch(`${base}/metrics/`, { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(await head.text()).toBe('');
    expect(Number(head.headers.get('content-length'))).toBeGreaterThan(100);
  });

  it('400 for a bad, unknown or repeated parameter, naming it and the allowed values', async () => {
    const { base, source } = await start();
    const cases: [string, RegExp][] = [
      ['alerts/?limit=0', /"limit".*an integer from 1 to 1000/],
      ['alerts/?limit=abc', /"limit"/],
      ['alerts/?history=maybe', /"history".*true, false, 1 or 0/],
      ['alerts/?limit=5&limit=6', /"limit" is given more than once/],
      ['health/?detail=true', /unknown parameter "detail".*Did you mean "detailed"/],
      ['history/?period=30d', /"period".*1h, 24h, 7d/],
      ['metrics/?x=1', /unknown parameter "x"; allowed: instance/],
    ];
    for (const [p, message] of cases) {
      const r = await getJson(`${base}/${p}`);
      expect(r.status, p).toBe(400);
      expect(r.body.success).toBe(false);
      expect(r.body.error.code).toBe('invalid_parameter');
      expect(r.body.error.message).toMatch(message);
    }
    expect(source.calls).toEqual([]); // bad input changes nothing and reads nothing
  });

  it('500 with a generic message when the monitor throws; logged once, no stack in the body', async () => {
    const { base, source } = await start();
    source.fail = new Error('secret internals at /srv/app.js:12');
    for (let i = 0; i < 3; i++) {
      const r = await getJson(`${base}/metrics/`);
      expect(r.status).toBe(500);
      expect(r.body).toEqual({
        success: false,
        error: { code: 'internal_error', message: 'internal error in the admin API; see the server log' },
      });
    }
    expect(source.logger.warnings.filter((w) => String(w).includes('route:metrics'))).toHaveLength(1);
  });

  it("a 500's log line names its cause and where it threw (the error's own stack), never the body", async () => {
    const source = fakeSource();
    const lines: Array<Record<string, unknown>> = [];
    source.logger.warn = (obj) => void lines.push(obj as Record<string, unknown>);
    const { base } = await start({}, source);
    const thrown = new TypeError('cannot read the worker table');
    source.fail = thrown;
    const r = await getJson(`${base}/history/`);
    expect(r.status).toBe(500);
    expect(JSON.stringify(r.body)).not.toContain('api.test.ts');
    const logged = lines.filter((l) => l.component === 'route:history');
    expect(logged).toHaveLength(1);
    // The oracle: the stack V8 recorded where the test threw it (its first lines: name, message, frames).
    const frames = (thrown.stack as string).split('\n').slice(0, 6).join('\n');
    expect(logged[0]).toEqual({
      component: 'route:history',
      err: 'cannot read the worker table',
      status: 500,
      stack: frames,
    });
    expect(frames).toContain('api.test.ts');
  });

  it('503 when the monitor is closed', async () => {
    const { base, source } = await start();
    source.fail = new SysvitalsError('ERR_SYSVITALS_CLOSED', 'closed');
    const r = await getJson(`${base}/health/`);
    expect(r.status).toBe(503);
    expect(r.body.error.code).toBe('unavailable');
  });

  it('429 with Retry-After past the per-client limit', async () => {
    const source = fakeSource();
    const { base } = await start({ rateLimit: { max: 3, windowMs: 60_000 } }, source);
    for (let i = 0; i < 3; i++) expect((await getJson(`${base}/metrics/`)).status).toBe(200);
    const r = await getJson(`${base}/metrics/`);
    expect(r.status).toBe(429);
    expect(r.body.error.code).toBe('rate_limited');
    const retry = Number(r.headers.get('retry-after'));
    expect(retry).toBeGreaterThanOrEqual(1);
    expect(retry).toBeLessThanOrEqual(60);
  });

  it('is rate limited by default', async () => {
    const source = fakeSource();
    const api = createAdminApi(source, {});
    const s = await serve(async (req, res) => void (await api.handle(req, res)));
    served.push(s);
    const statuses = [];
    for (let i = 0; i < 301; i++)
      statuses.push((await fetch(`${s.url}${BASE}/token/`, { method: 'HEAD' })).status);
    expect(statuses.filter((x) => x === 200)).toHaveLength(300);
    expect(statuses.at(-1)).toBe(429);
  });
});

describe('admin API authentication', () => {
  it('token: 401 with WWW-Authenticate without credentials, 403 with wrong ones, 200 with the token', async () => {
    const { base } = await start({ adminToken: 'tok-123' });
    const none = await getJson(`${base}/metrics/`);
    expect(none.status).toBe(401);
    expect(none.headers.get('www-authenticate')).toBe('Bearer realm="sysvitals"');
    expect(none.body.error.code).toBe('unauthorized');
    const wrong = await getJson(`${base}/metrics/`, { headers: { authorization: 'Bearer nope' } });
    expect(wrong.status).toBe(403);
    expect(wrong.body.error.code).toBe('forbidden');
    const ok = await getJson(`${base}/metrics/`, { headers: { authorization: 'Bearer tok-123' } });
    expect(ok.status).toBe(200);
  });

  it('unknown paths are not revealed before authentication', async () => {
    const { base } = await start({ adminToken: 'tok-123' });
    expect((await getJson(`${base}/nope`)).status).toBe(401);
  });

  it('token/ issues a signed token accepted as ?access_token= until it expires; it cannot renew itself', async () => {
    let now = Date.parse('2025-12-27T12:00:00.000Z');
    const source = fakeSource();
    source.clock = { now: () => now };
    const { base } = await start({ adminToken: 'tok-123', accessTokenTtlMs: 60_000 }, source);
    expect((await getJson(`${base}/token/`)).status).toBe(401);
    const issued = await getJson(`${base}/token/`, { headers: { authorization: 'Bearer tok-123' } });
    expect(issued.status).toBe(200);
    expect(issued.body.data).toEqual({ token: expect.any(String), expires_at: '2025-12-27T12:01:00.000Z' });
    const { token } = issued.body.data;
    const q = `access_token=${encodeURIComponent(token)}`;
    expect((await getJson(`${base}/health/?${q}&detailed=false`)).status).toBe(200);
    expect((await getJson(`${base}/token/?${q}`)).status).toBe(401);
    now += 60_000;
    const expired = await getJson(`${base}/health/?${q}`);
    expect(expired.status).toBe(401);
    expect(expired.body.error.code).toBe('token_expired');
    expect((await getJson(`${base}/health/?access_token=sv1.abc.def`)).status).toBe(403);
  });

  it('authorize hook: receives the request; false or throwing is 403, never 500', async () => {
    const { base } = await start({
      authorize: (req) => {
        if (req.headers['x-boom']) throw new Error('hook failed');
        return req.headers['x-user'] === 'admin';
      },
    });
    expect((await getJson(`${base}/metrics/`, { headers: { 'x-user': 'admin' } })).status).toBe(200);
    expect((await getJson(`${base}/metrics/`, { headers: { 'x-user': 'bob' } })).status).toBe(403);
    const boom = await getJson(`${base}/metrics/`, { headers: { 'x-boom': '1' } });
    expect(boom.status).toBe(403);
    expect(boom.body.error.code).toBe('forbidden');
  });

  it('loopback default: a loopback client is served, a forwarded one refused', async () => {
    const { base } = await start();
    expect((await getJson(`${base}/metrics/`)).status).toBe(200);
    expect(
      (await getJson(`${base}/metrics/`, { headers: { 'x-forwarded-for': '203.0.113.1' } })).status,
    ).toBe(403);
  });

  it.skipIf(!remoteAddress)(
    'loopback default: a non-loopback client is refused with 403 on every route',
    async () => {
      const { base } = await start({}, fakeSource(), remoteAddress);
      for (const p of ['metrics/', 'health/', 'alerts/', 'history/', 'token/', 'nope']) {
        const r = await getJson(`${base}/${p}`);
        expect(r.status, p).toBe(403);
        expect(r.body.error.message).toBe('not authorized to read the admin API'); // no mode (review D5)
      }
    },
  );
});

describe('authenticate (for WebSocket upgrades)', () => {
  it('gives the same decision as handle: token, access_token, loopback', async () => {
    const { api, base } = await start({ adminToken: 'tok' });
    const req = (url: string, headers: Record<string, string> = {}) =>
      ({ url, headers, socket: { remoteAddress: '192.0.2.9' } }) as never;
    expect(await api.authenticate(req('/ws'))).toMatchObject({ ok: false, status: 401 });
    expect(await api.authenticate(req('/ws', { authorization: 'Bearer tok' }))).toMatchObject({
      ok: true,
      via: 'token',
    });
    const minted = await getJson(`${base}/token/`, { headers: { authorization: 'Bearer tok' } });
    expect(await api.authenticate(req(`/ws?access_token=${minted.body.data.token}`))).toMatchObject({
      ok: true,
      via: 'access_token',
      expiresAt: Date.parse(minted.body.data.expires_at),
    });
    const loopback = createAdminApi(fakeSource(), { rateLimit: false });
    expect(await loopback.authenticate(req('/ws'))).toMatchObject({ ok: false, status: 403 });
  });
});

describe('normalizeBasePath', () => {
  it('drops trailing slashes', () => {
    expect(normalizeBasePath('/admin/')).toBe('/admin');
    expect(normalizeBasePath('/a/b')).toBe('/a/b');
  });
  it.each(['', '/', '//', 'admin', '/a?b', '/a b', '/a//b', '/%61'])('refuses %j', (p) => {
    expect(() => normalizeBasePath(p)).toThrow(SysvitalsError);
  });
  it('isAdminUrl checks raw URLs without allocating', () => {
    const api = createAdminApi(fakeSource(), { basePath: '/admin', rateLimit: false });
    expect(['/admin', '/admin/', '/admin?x', '/admin/metrics'].map(api.isAdminUrl)).toEqual([
      true,
      true,
      true,
      true,
    ]);
    expect(['/adminx', '/', '/admi', '/x/admin'].map(api.isAdminUrl)).toEqual([false, false, false, false]);
  });
});
