import { readFileSync } from 'node:fs';
import { request } from 'node:http';
import { gunzipSync, gzipSync } from 'node:zlib';
import { afterEach, describe, expect, it } from 'vitest';
import { GENERATED_PATH, isFresh } from '../../scripts/build-dashboard.js';
import { DASHBOARD_ASSETS } from '../../src/http/dashboard/assets.generated.js';
import { BASE, FakeMonitor, type Served, serveAdmin } from '../http/stream-helpers.js';

let served: Served[] = [];
afterEach(async () => {
  await Promise.all(served.map((s) => s.close()));
  served = [];
});

async function start(adminToken?: string): Promise<string> {
  const s = await serveAdmin(new FakeMonitor(), { adminToken });
  served.push(s);
  return s.url;
}

interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

/** A raw request: the path is sent exactly as given (no URL normalisation of `..` or `%2e`). */
function raw(url: string, path: string, options: { method?: string; headers?: Record<string, string> } = {}) {
  return new Promise<Reply>((resolve, reject) => {
    const req = request(`${url}${path}`, {
      method: options.method ?? 'GET',
      headers: options.headers,
      agent: false,
    });
    req.path = path;
    req.on('response', (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () =>
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }),
      );
    });
    req.on('error', reject);
    req.end();
  });
}

describe('dashboard assets module', () => {
  it('is fresh: rebuilding the page sources gives the committed src/http/dashboard/assets.generated.ts', async () => {
    const committed = readFileSync(GENERATED_PATH, 'utf8');
    expect(await isFresh(committed), 'stale dashboard assets: run `npm run build:dashboard` and commit').toBe(
      true,
    );
    // A changed body is stale, even with the right hash.
    const other = gzipSync(Buffer.from('not the page')).toString('base64');
    const tampered = committed.replace(/(gzip:\s*')[^']*'/, `$1${other}'`);
    expect(await isFresh(tampered)).toBe(false);
  });

  it('bundles uPlot and the app, and the page references only its own versioned assets', () => {
    const body = (name: string) =>
      gunzipSync(Buffer.from(DASHBOARD_ASSETS[name]?.gzip ?? '', 'base64')).toString();
    const html = body('index.html');
    const js = body('app.js');
    expect(html).toContain(`app.js?v=${DASHBOARD_ASSETS['app.js']?.hash}`);
    expect(html).toContain(`app.css?v=${DASHBOARD_ASSETS['app.css']?.hash}`);
    expect(html).not.toMatch(/(src|href)="(https?:)?\/\//); // no CDN
    expect(js).toContain('uPlot');
    expect(js).toContain('stream/');
  });
});

describe('GET dashboard/', () => {
  it('redirects dashboard to dashboard/ so relative URLs resolve', async () => {
    const url = await start();
    const r = await raw(url, `${BASE}/dashboard`);
    expect(r.status).toBe(308);
    expect(new URL(r.headers.location as string, `${url}${BASE}/dashboard`).pathname).toBe(
      `${BASE}/dashboard/`,
    );
  });

  it('serves the page without credentials (it holds no data) while the API still asks for them', async () => {
    const url = await start('secret');
    const page = await raw(url, `${BASE}/dashboard/`);
    expect(page.status).toBe(200);
    expect(page.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(page.headers['cache-control']).toBe('no-cache');
    expect(page.headers['content-security-policy']).toContain("script-src 'self'");
    expect(page.headers['x-content-type-options']).toBe('nosniff');
    expect(page.headers.etag).toBe(`"${DASHBOARD_ASSETS['index.html']?.hash}"`);
    expect(page.body.toString()).toContain('<title>sysvitals</title>');
    expect((await raw(url, `${BASE}/metrics/`)).status).toBe(401);
  });

  it('serves app.js and app.css with their types; versioned URLs are immutable, others revalidate', async () => {
    const url = await start();
    const jsHash = DASHBOARD_ASSETS['app.js']?.hash;
    const js = await raw(url, `${BASE}/dashboard/app.js?v=${jsHash}`);
    expect(js.status).toBe(200);
    expect(js.headers['content-type']).toBe('text/javascript; charset=utf-8');
    expect(js.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    expect(js.body.equals(gunzipSync(Buffer.from(DASHBOARD_ASSETS['app.js']?.gzip ?? '', 'base64')))).toBe(
      true,
    );
    const css = await raw(url, `${BASE}/dashboard/app.css`);
    expect(css.headers['content-type']).toBe('text/css; charset=utf-8');
    expect(css.headers['cache-control']).toBe('no-cache');
  });

  it('answers If-None-Match with 304, gzips when asked, and HEAD without a body', async () => {
    const url = await start();
    const first = await raw(url, `${BASE}/dashboard/app.js`);
    const again = await raw(url, `${BASE}/dashboard/app.js`, {
      headers: { 'if-none-match': first.headers.etag as string },
    });
    expect(again.status).toBe(304);
    expect(again.body.length).toBe(0);
    const gz = await raw(url, `${BASE}/dashboard/app.js`, { headers: { 'accept-encoding': 'br, gzip' } });
    expect(gz.headers['content-encoding']).toBe('gzip');
    expect(gz.headers.vary).toBe('Accept-Encoding');
    expect(gz.headers.etag).not.toBe(first.headers.etag);
    expect(gunzipSync(gz.body).equals(first.body)).toBe(true);
    const head = await raw(url, `${BASE}/dashboard/`, { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(Number(head.headers['content-length'])).toBeGreaterThan(100);
    expect(head.body.length).toBe(0);
  });

  it('answers 404 for every name outside its fixed set, including encoded traversal', async () => {
    const url = await start();
    for (const path of [
      'dashboard/..%2f..%2fpackage.json',
      'dashboard/%2e%2e/%2e%2e/package.json',
      'dashboard/../../../../etc/passwd',
      'dashboard/app.js/',
      'dashboard/APP.JS',
      'dashboard/app.js%00.html',
      'dashboard/assets.generated.ts',
      'dashboard/app.ts',
      'dashboard//app.js',
      'dashboard/__proto__',
      'dashboard/constructor',
    ]) {
      const r = await raw(url, `${BASE}/${path}`);
      expect(r.status, path).toBe(404);
      expect(JSON.parse(r.body.toString()), path).toMatchObject({
        success: false,
        error: { code: 'not_found' },
      });
    }
  });

  it('refuses other methods with 405', async () => {
    const url = await start();
    const r = await raw(url, `${BASE}/dashboard/`, { method: 'POST' });
    expect(r.status).toBe(405);
  });
});
