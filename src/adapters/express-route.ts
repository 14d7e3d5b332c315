// The route label of an Express request: the mount patterns from the app down to the route, joined
// (`app.use('/org/:org', router)` + `router.get('/items')` -> `/org/:org/items`), never a value from the URL.

import { UNMATCHED_ROUTE } from './common.js';
import { consumePattern, matchedPrefix, mountedApp, routerOf, topApp } from './express-apps.js';

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

/** A mount layer, matched by Express's own matcher; or one path of an array mount path, as written. */
type Mount = Layer | string;

interface Chain {
  label: string;
  mounts: Mount[];
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
  /** Worked out without knowing whether a Router holds the app (no request's server): not kept on the route. */
  partial?: boolean;
}

type RouteObject = { path?: unknown; [LABEL]?: Cached };
interface ExpressLikeRequest {
  route?: unknown;
  app?: unknown;
  baseUrl?: string;
  socket?: unknown;
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
      cached = describe(route, app, req);
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
export function routeObjectLabel(route: object, app: unknown, baseUrl: string, req: object): string {
  const r = route as RouteObject;
  let cached = r[LABEL];
  if (cached === undefined || (cached.app !== app && !descendsFrom(cached.app, app))) {
    cached = describe(r, app, req);
    if (cached.partial !== true) r[LABEL] = cached;
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

function describe(route: RouteObject, app: unknown, req: object): Cached {
  const path = patternText(route.path);
  const root = routerOf(app);
  let chains: Chain[] = [];
  if (root) collect(root, route, '', [], chains, new Set());
  const reached = routerReach(app, req);
  if (reached) {
    // Reached through a Router (outside review D, RTD-1, RTD-2): one label per way from the root app, each way's
    // mount layers matched against `req.baseUrl` per request when there are several.
    const inner = chains.length > 0 ? chains : [{ label: '', mounts: [] }];
    chains = reached.ways.flatMap((w) =>
      inner.map((c) => ({ label: w.label + c.label + path, mounts: [...w.mounts, ...c.mounts] })),
    );
    return oneOrMany(app, chains);
  }
  const prefixes = mountPrefixes(app, 0);
  const appPrefix = prefixes[0] ?? '';
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
  const cached = oneOrMany(app, chains);
  if (reached === undefined) cached.partial = true;
  return cached;
}

function oneOrMany(app: unknown, chains: Chain[]): Cached {
  if (chains.length === 1 || chains.every((c) => c.label === chains[0]?.label)) {
    return { app, label: chains[0]?.label };
  }
  return { app, chains };
}

/** A way from the root app down to an app: the mount layers passed, and their patterns joined. */
interface Way {
  label: string;
  mounts: Mount[];
  /** Whether it passes an app handed to a Router's use() (which Express tells no mount of). */
  router: boolean;
}

/** How an app handed to a Router is reached: from which root app, by which ways. */
interface Reach {
  root: unknown;
  ways: Way[];
}

const REACH = new WeakMap<object, Reach | null>();

/**
 * For an app reached through a Router (`router.use('/t/:tenant', app)`: no `parent`, no mount event), every way
 * the root app reaches it, found once per app in the root app's router tree: the root is the top of the app's
 * `parent`s or, above that, the Express app its server serves (the request's `socket.server`'s 'request'
 * listener). null when no way passes such a Router; undefined when unknown (no request's server, no parent).
 */
export function routerReach(app: unknown, req: object): Reach | null | undefined {
  if (typeof app !== 'function') return null;
  const known = REACH.get(app);
  if (known !== undefined) return known;
  const top = topApp(app);
  const socket = (req as ExpressLikeRequest).socket as { server?: { listeners?: unknown } } | undefined;
  const server = socket?.server as { listeners?(event: string): unknown[] } | undefined;
  const roots: unknown[] = [];
  if (typeof server?.listeners === 'function') {
    for (const l of server.listeners('request')) if (l !== top && Array.isArray(routerOf(l))) roots.push(l);
  }
  if (top !== app) roots.push(top);
  if (socket === undefined && roots.length === 0) return undefined;
  let reach: Reach | null = null;
  for (const root of roots) {
    const ways: Way[] = [];
    waysTo(routerOf(root), app, '', [], false, ways, new Set(), 0);
    if (ways.length === 0) continue;
    if (ways.some((w) => w.router)) reach = { root, ways };
    break;
  }
  REACH.set(app, reach);
  return reach;
}

/** Depth-first through a router tree to every layer whose app is `app` (mounted, or handed to a Router). */
function waysTo(
  stack: unknown,
  app: unknown,
  prefix: string,
  mounts: Mount[],
  router: boolean,
  out: Way[],
  seen: Set<unknown>,
  depth: number,
): void {
  if (!Array.isArray(stack) || seen.has(stack) || depth > 16) return;
  seen.add(stack);
  for (const layer of stack as Layer[]) {
    if (out.length >= 16) break;
    if (!layer || typeof layer !== 'object' || layer.route) continue;
    const handle = layer.handle;
    const mounted = mountedApp(handle);
    const given = mounted === undefined && routerOf(handle) !== undefined;
    const sub = given ? handle : mounted;
    const label = prefix + mountPattern(layer);
    if (sub !== app) {
      waysTo(
        sub ? routerOf(sub) : handle?.stack,
        app,
        label,
        [...mounts, layer],
        router || given,
        out,
        seen,
        depth + 1,
      );
      continue;
    }
    // An array mount path (`parent.use(['/v1', '/v2'], app)`): one way per path, matched as written (Express 4
    // keeps the paths only as the app's `mountpath`).
    const mountpath = (app as { mountpath?: unknown }).mountpath;
    const paths = Array.isArray(layer.rawPath)
      ? layer.rawPath
      : label.endsWith(UNKNOWN_MOUNT) && layer.rawPath === undefined && Array.isArray(mountpath)
        ? mountpath
        : undefined;
    if (paths === undefined) out.push({ label, mounts: [...mounts, layer], router: router || given });
    else
      for (const p of paths) {
        const text = trimSlash(patternText(p));
        out.push({ label: prefix + text, mounts: [...mounts, text], router: router || given });
      }
  }
  seen.delete(stack);
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
    for (const mount of chain.mounts) {
      const consumed =
        typeof mount === 'string' ? consumePattern(mount, rest) : matchedPrefix(mount, rest)?.length;
      if (consumed === undefined || consumed < 0) {
        ok = false;
        break;
      }
      rest = rest.slice(consumed);
    }
    if (ok && rest === '') return chain.label;
  }
  return (chains[0] as Chain).label;
}
