// The route label of an Express request: the mount patterns from the app down to the route, joined
// (`app.use('/org/:org', router)` + `router.get('/items')` -> `/org/:org/items`), never a value from the URL.

import { UNMATCHED_ROUTE } from './common.js';

/** Stands for a mount path Express does not keep (Express 4 regexps, router < 2.3 without `rawPath`). */
export const UNKNOWN_MOUNT = '/*';

const LABEL = Symbol('sysvitals.routeLabel');
const ROUTE = 'route';

// Just enough of Express's router internals (express 4's and router 2.x's layers).
interface Layer {
  route?: unknown;
  handle?: { stack?: unknown };
  /** router >= 2.3: the path given to use()/route() as written. */
  rawPath?: unknown;
  slash?: boolean;
  /** express 4: the compiled path, with `fast_slash` for '/'. */
  regexp?: RegExp & { fast_slash?: boolean };
  keys?: { name: string | number }[];
  match?(path: string): unknown;
  path?: string;
}

interface Chain {
  label: string;
  mounts: Layer[];
  /** The mount path of the app (up to the root app) this chain is reached through, when the app has several. */
  prefix?: string;
}

interface Cached {
  app: unknown;
  /**
   * The prototype Express gives requests of `app` (`app.request`, which holds `app` as its own `app`): a request
   * with this prototype belongs to `app`, so `req.app` need not be read (each read of a property of an Express
   * request is an inline-cache miss: every request has a hidden class of its own, issue 18).
   */
  proto?: object;
  /** The label when the route is reached by one chain of mounts (the usual case). */
  label?: string;
  /** A router mounted at several paths: the chain is picked per request from `req.baseUrl`. */
  chains?: Chain[];
}

type RouteObject = { path?: unknown; [LABEL]?: Cached };
interface ExpressLikeRequest {
  route?: unknown;
  app?: unknown;
  baseUrl?: string;
}

/**
 * The label of a request Express routed: worked out once per route (from the app's router tree, so from
 * the patterns the application wrote) and cached on the route object; no allocation per request.
 */
export function expressRouteLabel(req: ExpressLikeRequest): string {
  // A keyed read: on Express's per-request hidden classes a named one misses to V8's runtime (express.ts, METHOD).
  const route = req[ROUTE] as RouteObject | undefined;
  if (!route || typeof route !== 'object') return UNMATCHED_ROUTE;
  let cached = route[LABEL];
  if (cached === undefined || cached.proto === undefined || Object.getPrototypeOf(req) !== cached.proto) {
    const app = req.app;
    // On its way out of a sub-app (an error passed on to the parent), Express gives the request back the
    // parent's prototype: the route's label, worked out with its own app, stays.
    if (cached === undefined || (cached.app !== app && !descendsFrom(cached.app, app))) {
      cached = describe(route, app);
      route[LABEL] = cached;
    }
    cached.proto = appRequestProto(req, app);
  }
  if (cached.label !== undefined) return cached.label;
  return pickChain(cached.chains as Chain[], req.baseUrl ?? '');
}

/**
 * The label of `route`, found in `app`'s router tree with `baseUrl` the mount paths matched on the way (what
 * Express would have set as `req.baseUrl`): for a request that ended unmatched, the route its URL would have
 * reached (express-would-match.ts). Shares expressRouteLabel's cache on the route object.
 */
export function routeObjectLabel(route: object, app: unknown, baseUrl: string): string {
  const r = route as RouteObject;
  let cached = r[LABEL];
  if (cached === undefined || (cached.app !== app && !descendsFrom(cached.app, app))) {
    cached = describe(r, app);
    r[LABEL] = cached;
  }
  if (cached.label !== undefined) return cached.label;
  return pickChain(cached.chains as Chain[], baseUrl);
}

/** The request's prototype when it is `app`'s request prototype (holding `app` as its own `app`), else undefined. */
function appRequestProto(req: ExpressLikeRequest, app: unknown): object | undefined {
  const proto = Object.getPrototypeOf(req) as object | null;
  if (proto === null || app === undefined) return undefined;
  const own = Object.getOwnPropertyDescriptor(proto, 'app');
  return own !== undefined && 'value' in own && own.value === app ? proto : undefined;
}

function describe(route: RouteObject, app: unknown): Cached {
  const path = patternText(route.path);
  const prefixes = mountPrefixes(app, 0);
  const appPrefix = prefixes[0] ?? '';
  const root = routerOf(app);
  let chains: Chain[] = [];
  if (root) collect(root, route, '', [], chains, new Set());
  if (chains.length === 0)
    chains = [{ label: prefixes.length > 1 || appPrefix ? '' : UNKNOWN_MOUNT, mounts: [] }];
  for (const chain of chains) chain.label += path;
  // An app mounted at several paths (`parent.use('/v1', app); parent.use('/v2', app)` or `parent.use(['/v1',
  // '/v2'], app)`): one label per mount path, picked per request from `req.baseUrl` (outside review C, RTC-4).
  if (prefixes.length > 1) {
    chains = prefixes.flatMap((prefix) =>
      chains.map((c) => ({ label: prefix + c.label, mounts: c.mounts, prefix })),
    );
  } else {
    for (const chain of chains) chain.label = appPrefix + chain.label;
  }
  if (chains.length === 1 || chains.every((c) => c.label === chains[0]?.label)) {
    return { app, label: chains[0]?.label };
  }
  return { app, chains };
}

/**
 * For a sub-app: its mount paths up to the root app, as written, one per way the root app reaches it (`['']` for
 * a root app). An app mounted once reads its `mountpath`; one mounted at several paths (which Express's
 * `mountpath` keeps only the last of, or as an array) reads the paths from its mount layers in the parent's stack.
 */
function mountPrefixes(app: unknown, depth: number): string[] {
  const a = app as { mountpath?: unknown; parent?: unknown } | undefined;
  if (!a?.parent || depth >= 16) return [''];
  const own = ownMountPaths(a.parent, a);
  const out: string[] = [];
  for (const up of mountPrefixes(a.parent, depth + 1)) {
    for (const p of own) if (out.length < 16 && !out.includes(up + p)) out.push(up + p);
  }
  return out;
}

/** The mount paths of `app` in `parent`'s stack (without trailing slash, '' for '/'). */
function ownMountPaths(parent: unknown, app: { mountpath?: unknown }): string[] {
  const mountpath = app.mountpath;
  const texts = Array.isArray(mountpath) ? mountpath.map((p) => trimSlash(patternText(p))) : undefined;
  const layers: Layer[] = [];
  const stack = routerOf(parent);
  if (Array.isArray(stack)) {
    for (const layer of stack as Layer[]) {
      if (layer && typeof layer === 'object' && mountedApp(layer.handle) === app) layers.push(layer);
    }
  }
  if (layers.length <= 1) return texts ?? [trimSlash(patternText(mountpath))];
  const paths: string[] = [];
  for (const layer of layers) {
    if (Array.isArray(layer.rawPath)) {
      for (const p of layer.rawPath) paths.push(trimSlash(patternText(p)));
    } else if (layer.rawPath === undefined && !layer.slash && !layer.regexp?.fast_slash && texts) {
      // Express 4 keeps an array mount path only as one regexp: the app's `mountpath` (the last mount) names them.
      paths.push(...texts);
    } else {
      paths.push(mountPattern(layer));
    }
  }
  return paths;
}

/** Depth-first through the router's stack to every layer holding `route`, keeping the mount patterns. */
function collect(
  stack: unknown,
  route: unknown,
  prefix: string,
  mounts: Layer[],
  out: Chain[],
  seen: Set<unknown>,
): void {
  if (!Array.isArray(stack) || seen.has(stack) || out.length >= 16) return;
  seen.add(stack);
  for (const layer of stack as Layer[]) {
    if (!layer || typeof layer !== 'object') continue;
    if (layer.route === route) {
      out.push({ label: prefix, mounts });
      continue;
    }
    if (layer.route) continue;
    const inner = layer.handle?.stack ?? routerOf(mountedApp(layer.handle));
    if (Array.isArray(inner)) {
      collect(inner, route, prefix + mountPattern(layer), [...mounts, layer], out, seen);
    }
  }
  seen.delete(stack);
}

/** Whether `app` is a sub-app mounted (at any depth) under `ancestor`. */
function descendsFrom(app: unknown, ancestor: unknown): boolean {
  let a = app as { parent?: unknown } | undefined;
  for (let depth = 0; a?.parent && depth < 16; depth++) {
    if (a.parent === ancestor) return true;
    a = a.parent as typeof a;
  }
  return false;
}

const MOUNTED = new WeakMap<object, unknown>();
const PROBED = Symbol('sysvitals.probed');

/**
 * The sub-app behind an `app.use(path, subApp)` layer, whose handle is Express's `mounted_app` closure (it keeps
 * the sub-app to itself). It is called once with a probe request, and the sub-app sets the probe's prototype to
 * its request prototype (which holds the sub-app as `app`): Express 5 in the sub-app's `handle()`, Express 4 in
 * its router's second layer (expressInit, after Express's query parser). The probe stops it there, before the
 * application's first layer: it answers only what Express's own code reads on the way (Express 4's router:
 * the URL, method, base URL, params, query; `req.app` in mounted_app), and throws at any other read and at every
 * read once the sub-app is known, so nothing of the application runs. Undefined when unknown (the label then
 * shows `/*`).
 */
export function mountedApp(handle: unknown): unknown {
  if (typeof handle !== 'function' || handle.name !== 'mounted_app' || handle.length !== 3) return undefined;
  if (MOUNTED.has(handle)) return MOUNTED.get(handle);
  let app: unknown;
  let probing = true;
  const fields: Record<PropertyKey, unknown> = {
    url: '/',
    method: 'GET',
    baseUrl: '',
    originalUrl: '/',
    params: {},
    // Set: Express 4's query parser leaves a request with a query as it is (the app's parser is not called).
    query: {},
    next: undefined,
    _parsedUrl: undefined,
  };
  // mounted_app keeps `req.app` to restore its prototypes once the sub-app hands the request back, which an
  // Express 4 sub-app with nothing after expressInit does later (its router's setImmediate): nulls, then.
  const parent = { request: null, response: null };
  const probe = new Proxy(fields, {
    get(target, key) {
      if (key === 'app') return parent;
      if (probing && (app !== undefined || !Object.hasOwn(target, key))) throw PROBED;
      return Reflect.get(target, key);
    },
    setPrototypeOf(target, proto: object | null) {
      if (!probing) return Reflect.setPrototypeOf(target, proto);
      const own = proto ? Object.getOwnPropertyDescriptor(proto, 'app') : undefined;
      const candidate: unknown = own && 'value' in own ? own.value : undefined;
      if (typeof candidate === 'function') app = candidate;
      throw PROBED;
    },
  });
  try {
    (handle as (req: unknown, res: unknown, next: () => void) => void)(probe, { setHeader() {} }, () => {});
  } catch {
    // PROBED (or anything an unexpected Express throws): the label falls back to UNKNOWN_MOUNT.
  } finally {
    probing = false;
  }
  MOUNTED.set(handle, app);
  return app;
}

/**
^ * The router stack of an app (express 5: `app.router`; express 4: `app._router`, made at the app's first route or
 * middleware, and `app.router` a getter that throws).
 */
export function routerOf(app: unknown): unknown {
  if (typeof app !== 'function') return undefined;
  const a = app as unknown as { router?: { stack?: unknown }; _router?: { stack?: unknown } };
  return (isExpress4App(app) ? a._router : a.router)?.stack;
}

/** Express 4's apps have `lazyrouter()` (gone in Express 5). */
export function isExpress4App(app: unknown): boolean {
  return typeof app === 'function' && typeof (app as { lazyrouter?: unknown }).lazyrouter === 'function';
}

/** The pattern a mount layer was created with, without trailing slash ('' for '/'). */
function mountPattern(layer: Layer): string {
  if (layer.slash || layer.regexp?.fast_slash) return '';
  if (layer.rawPath !== undefined) return trimSlash(patternText(layer.rawPath));
  if (layer.regexp) return express4Pattern(layer.regexp, layer.keys ?? []) ?? UNKNOWN_MOUNT;
  return UNKNOWN_MOUNT;
}

/**
 * Express 4 keeps only the compiled regexp of a mount path: path-to-regexp 0.1.7 (Express 4.18, 4.19) makes
 * `/org/:org` `^\/org\/(?:([^\/]+?))\/?(?=\/|$)`, 0.1.13 (Express 4.22)
 * `^\/org(?:\/([^\/]+?))\/?(?=\/|$)`.
 * Plain segments and named parameters are read back from either, anything else stands as UNKNOWN_MOUNT.
 */
export function express4Pattern(
  regexp: RegExp,
  keys: readonly { name: string | number }[],
): string | undefined {
  let src = regexp.source;
  if (!src.startsWith('^')) return undefined;
  src = src.slice(1).replace(/\\\/\?\(\?=\\\/\|\$\)$/, '');
  let k = 0;
  src = src.replace(
    /\(\?:(\\\/)?\(\[\^\\?\/\]\+\?\)\)/g,
    (_m, slash?: string) => `${slash ?? ''}:${String(keys[k++]?.name ?? k)}`,
  );
  src = src.replace(/\\([/.-])/g, '$1');
  if (/[\\^$*+?()[\]{}|]/.test(src) || k !== keys.length) return undefined;
  return trimSlash(src);
}

function patternText(path: unknown): string {
  if (typeof path === 'string') return path;
  if (Array.isArray(path)) return path.map(patternText).join(',');
  return String(path);
}

function trimSlash(path: string): string {
  return path.length > 1 && path.endsWith('/') ? path.replace(/\/+$/, '') : path === '/' ? '' : path;
}

/** A router mounted at several paths: the chain whose mount layers consume exactly `baseUrl`. */
function pickChain(chains: Chain[], baseUrl: string): string {
  for (const chain of chains) {
    let rest = baseUrl;
    if (chain.prefix !== undefined) {
      const consumed = consumePattern(chain.prefix, rest);
      if (consumed < 0) continue;
      rest = rest.slice(consumed);
    }
    let ok = true;
    for (const layer of chain.mounts) {
      const consumed = matchedPrefix(layer, rest);
      if (consumed === undefined) {
        ok = false;
        break;
      }
      rest = rest.slice(consumed.length);
    }
    if (ok && rest === '') return chain.label;
  }
  return (chains[0] as Chain).label;
}

/**
 * How much of `path` the mount pattern `pattern` (as written: `/v1`, `/org/:org`; '' for '/') takes, segment by
 * segment (a `:param` or `*` segment takes any one segment; others compared as Express does, ignoring case), or
 * -1 when it does not match.
 */
function consumePattern(pattern: string, path: string): number {
  let i = 0;
  let j = 0;
  while (i < pattern.length) {
    if (pattern.charCodeAt(i) !== 47 || path.charCodeAt(j) !== 47) return -1;
    const pe = segmentEnd(pattern, i + 1);
    const qe = segmentEnd(path, j + 1);
    const first = pattern.charCodeAt(i + 1);
    if (first === 58 || first === 42) {
      if (qe === j + 1) return -1;
    } else if (pe - i !== qe - j || pattern.slice(i, pe).toLowerCase() !== path.slice(j, qe).toLowerCase()) {
      return -1;
    }
    i = pe;
    j = qe;
  }
  return j;
}

function segmentEnd(text: string, from: number): number {
  const k = text.indexOf('/', from);
  return k < 0 ? text.length : k;
}

/** The part of `path` a mount layer takes (Express's own matcher), or undefined when it does not match. */
export function matchedPrefix(layer: Layer, path: string): string | undefined {
  if (layer.slash || layer.regexp?.fast_slash) return '';
  if (typeof layer.match !== 'function') return undefined;
  try {
    const m = layer.match(path || '/') as { path?: string } | boolean;
    if (m && typeof m === 'object') return m.path ?? '';
    return m ? (layer.path ?? '') : undefined;
  } catch {
    return undefined;
  }
}
