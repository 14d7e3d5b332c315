// GET dashboard/: the page and its two assets from a fixed table, with ETags, cache headers and gzip; no data.

import type { ServerResponse } from 'node:http';
import { nodeZlib } from '../../builtins.js';
import { closeIfBodyUnread, sendError } from '../respond.js';
import { type AdminContext, type AdminRoute, defineRoute } from '../route.js';
import type { GeneratedAsset } from './assets.generated.js';

interface Served {
  readonly type: string;
  readonly hash: string;
  readonly etag: string;
  /** As stored: gzipped. */
  readonly gzip: Buffer;
  /** Unzipped on the first request that does not accept gzip. */
  body?: Buffer;
}

const cache = new Map<string, Served>();
let loading: Promise<Readonly<Record<string, GeneratedAsset>>> | undefined;

/**
 * Loaded and decoded on first request, so importing the API costs nothing until the page is opened. The
 * build ships the generated module once, as dist/dashboard-assets.js, for both the ESM and the CJS entry
 * points (tsup.config.ts), instead of once inside each.
 */
async function asset(name: string): Promise<Served | undefined> {
  let served = cache.get(name);
  if (served) return served;
  loading ??= import('./assets.generated.js').then((m) => m.DASHBOARD_ASSETS);
  const assets = await loading;
  const generated: GeneratedAsset | undefined = Object.hasOwn(assets, name) ? assets[name] : undefined;
  if (!generated) return undefined;
  served = {
    type: generated.type,
    hash: generated.hash,
    etag: `"${generated.hash}"`,
    gzip: Buffer.from(generated.gzip, 'base64'),
  };
  cache.set(name, served);
  return served;
}

/** The page reads only its own origin: scripts and styles from these files, data from the API next to it. */
const CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

function acceptsGzip(header: string | undefined): boolean {
  return typeof header === 'string' && /\bgzip\b/i.test(header) && !/\bgzip\s*;\s*q=0(\.0*)?\b/i.test(header);
}

function etagMatches(header: string | undefined, etag: string): boolean {
  if (!header) return false;
  return header
    .split(',')
    .map((t) => t.trim().replace(/^W\//, ''))
    .some((t) => t === etag || t === '*');
}

function send(ctx: AdminContext, served: Served, cacheControl: string): void {
  const { req, res } = ctx;
  const gzip = acceptsGzip(req.headers['accept-encoding'] as string | undefined);
  const etag = gzip ? `"${served.hash}-gz"` : served.etag;
  res.setHeader('content-type', served.type);
  res.setHeader('cache-control', cacheControl);
  res.setHeader('etag', etag);
  res.setHeader('vary', 'Accept-Encoding');
  res.setHeader('x-content-type-options', 'nosniff');
  res.setHeader('referrer-policy', 'no-referrer');
  res.setHeader('cross-origin-resource-policy', 'same-origin');
  closeIfBodyUnread(res);
  if (served.type.startsWith('text/html')) {
    res.setHeader('content-security-policy', CONTENT_SECURITY_POLICY);
    res.setHeader('x-frame-options', 'DENY');
  }
  if (etagMatches(req.headers['if-none-match'], etag)) {
    res.statusCode = 304;
    res.end();
    return;
  }
  let body: Buffer;
  if (gzip) {
    body = served.gzip;
    res.setHeader('content-encoding', 'gzip');
  } else {
    served.body ??= nodeZlib().gunzipSync(served.gzip);
    body = served.body;
  }
  res.statusCode = 200;
  res.setHeader('content-length', body.length);
  res.end(body);
}

function redirect(res: ServerResponse, location: string): void {
  res.statusCode = 308;
  res.setHeader('location', location);
  res.setHeader('cache-control', 'no-store');
  closeIfBodyUnread(res);
  res.setHeader('content-length', 0);
  res.end();
}

/**
 * `dashboard/` (the page), `dashboard/app.js`, `dashboard/app.css`. Served without auth: they hold no data,
 * and the page asks the (authenticated) API for everything it shows. Any other name is a 404, so no request
 * path ever reaches the file system.
 */
export const dashboardRoute: AdminRoute = defineRoute({
  path: 'dashboard',
  prefix: true,
  public: true,
  query: 'any',
  async handle(ctx) {
    const rest = ctx.subpath.slice('dashboard'.length);
    // The page uses relative URLs (app.js, ../metrics/), which need the trailing slash.
    if (rest === '') {
      redirect(ctx.res, 'dashboard/');
      return;
    }
    const name = rest === '/' || rest === '/index.html' ? 'index.html' : rest.slice(1);
    const served =
      name === 'app.js' || name === 'app.css' || name === 'index.html' ? await asset(name) : undefined;
    if (!served) {
      sendError(ctx.res, 404, 'not_found', 'no such dashboard asset; open dashboard/');
      return;
    }
    // Versioned asset URLs (from index.html) never change; anything else revalidates with the ETag.
    const versioned = name !== 'index.html' && ctx.searchParams.get('v') === served.hash;
    send(ctx, served, versioned ? 'public, max-age=31536000, immutable' : 'no-cache');
  },
});
