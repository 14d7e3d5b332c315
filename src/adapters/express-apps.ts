// Express's router internals as sysvitals reads them: the sub-app a `mounted_app` layer keeps to itself (found
// with a probe request), an app's router stack (Express 5 and 4), which major an app is, and the part of a path a
// mount layer or a mount pattern takes.

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
 * The router stack of an app (express 5: `app.router`; express 4: `app._router`, made at the app's first route or
 * middleware, and `app.router` a getter that throws).
 */
export function routerOf(app: unknown): unknown {
  if (typeof app !== 'function') return undefined;
  const a = app as unknown as { router?: { stack?: unknown }; _router?: { stack?: unknown } };
  return (isExpress4App(app) ? a._router : a.router)?.stack;
}

/** The app at the top of `app`'s mounts (`parent`), whose router sees the whole URL. */
export function topApp(app: unknown): unknown {
  let a = app as { parent?: unknown } | undefined;
  for (let depth = 0; a?.parent && depth < 16; depth++) a = a.parent as typeof a;
  return a;
}

/** Express 4's apps have `lazyrouter()` (gone in Express 5). */
export function isExpress4App(app: unknown): boolean {
  return typeof app === 'function' && typeof (app as { lazyrouter?: unknown }).lazyrouter === 'function';
}

/** A mount layer as far as its matcher is read (express 4's and router 2.x's). */
export interface MatchingLayer {
  slash?: boolean;
  regexp?: RegExp & { fast_slash?: boolean };
  match?(path: string): unknown;
  path?: string;
}

/**
 * How much of `path` the mount pattern `pattern` (as written: `/v1`, `/org/:org`; '' for '/') takes, segment by
 * segment (a `:param` or `*` segment takes any one segment; others compared as Express does, ignoring case), or
 * -1 when it does not match.
 */
export function consumePattern(pattern: string, path: string): number {
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
export function matchedPrefix(layer: MatchingLayer, path: string): string | undefined {
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
