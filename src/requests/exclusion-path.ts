// The `excludeRoutes` test on a request's URL: a path is excluded only in the spelling Express, Fastify and Koa
// route as that path (outside review 33, RT33-7: a decoded or `;`-cut spelling reached other routes, unmonitored).

/**
 * A test of `excludeRoutes` on a request's URL (its path: the query string is never matched; `caseSensitive` for
 * Fastify, whose router is; `req`, and `ticket` whose `request` is the framework's own request object (Koa's
 * ctx), for the CaseRouter), and `route`, the same test of a route template (`/poll/:id`) by the path entries
 * only, for an adapter that knows it when a request starts.
 */
export interface ExcludedRouteTest {
  (url: string, caseSensitive?: boolean, req?: object, ticket?: { readonly request: unknown }): boolean;
  route(template: string): boolean;
}

/**
 * The route a router would give a path for a request's app and method (a label; the same label for the same route,
 * its own for no route), or undefined when the request is not one of its framework's. Set by an adapter whose
 * routers mix letter-case rules (Express: `Router({ caseSensitive: true })` in an app that is not, or the app's
 * `case sensitive routing` with default routers): the letter case of a path alone does not say where it goes.
 */
export type CaseRouter = (req: object, path: string) => string | undefined;
/** One per framework (Express's, Koa's): each answers only for its own requests. */
const caseRouters: CaseRouter[] = [];
let caseRouter: CaseRouter | undefined;

/**
 * Adds the CaseRouter excludedRouteTest asks for a path that matches an entry only in another letter case (once per
 * function; the first of them that knows the request answers).
 */
export function setCaseRouter(router: CaseRouter): void {
  if (caseRouters.includes(router)) return;
  caseRouters.push(router);
  caseRouter =
    caseRouters.length === 1
      ? router
      : (req, path) => {
          for (const r of caseRouters) {
            const label = r(req, path);
            if (label !== undefined) return label;
          }
          return undefined;
        };
}

/**
 * Builds the test from `paths` (without a trailing `/`) and `patterns`. A path entry matches a path that is it or
 * lies under it (followed by `/`, `?`, `#` or the end), in its own letter case, or in another one where the
 * request's routers take it to the route the entry's spelling reaches (CaseRouter: Express's, router by router), else
 * in any letter case (or only its own, `caseSensitive`); an entry
 * with other than ASCII also in its %-encoded UTF-8, the form clients send. The path is the URL's as the routers
 * read it before they match: not decoded, `;` and `\` kept, `//` not collapsed (Express and @koa/router route
 * `/%70oll/1`, `/poll;x/y`, `/poll\x/y` to `/:user/:repo`, not to `/poll/:id`), an absolute-form target's
 * (`http://host/poll/1`) by its path.
 */
export function excludedRouteTest(paths: readonly string[], patterns: readonly RegExp[]): ExcludedRouteTest {
  const anyCase = pathsPattern(paths, 'i');
  const exactCase = pathsPattern(paths, '');
  /** The RegExp entries on a path (to its `?` or `#`). */
  const byPatterns = (path: string): boolean => {
    const end = pathEnd(path, 0);
    const p = end === path.length ? path : path.slice(0, end);
    for (const re of patterns) if (re.test(p)) return true;
    return false;
  };
  const some = patterns.length !== 0;
  /** The entries by their lower-case spelling (the anyCase match's prefix finds the entry it matched). */
  const byLower = new Map<string, string>();
  for (const p of paths) {
    byLower.set(p.toLowerCase(), p);
    try {
      byLower.set(encodeURI(p).toLowerCase(), encodeURI(p));
    } catch {
      // a lone surrogate: no encoded form
    }
  }
  /**
   * For a path that matches an entry only in another letter case, with a router that knows the request: whether
   * the router takes it to the route the entry's own spelling reaches (the same route, or no route either way).
   * Undefined when the router cannot tell.
   */
  const sameRoute = (req: object, path: string): boolean | undefined => {
    const router = caseRouter;
    const m = router === undefined ? null : (anyCase as RegExp).exec(path);
    if (router === undefined || m === null) return undefined;
    const prefix = /[/?#]$/.test(m[0]) ? m[0].slice(0, -1) : m[0];
    const entry = byLower.get(prefix.toLowerCase());
    if (entry === undefined || entry === '/') return undefined;
    const asRouted = router(req, pathOnly(path));
    if (asRouted === undefined) return undefined;
    return asRouted === router(req, pathOnly(`${entry}${path.slice(prefix.length)}`));
  };
  const test = (
    url: string,
    caseSensitive = false,
    req?: object,
    ticket?: { readonly request: unknown },
  ): boolean => {
    let path = url.charCodeAt(0) === 47 ? url : absolutePath(url);
    if (path === undefined) return false;
    // Only a URL with a `\` pays for the second look (an ordinary one: one RegExp, no allocation).
    if (path === url && url.includes('\\') && SLOW_PARSE.test(url)) path = slowPath(url);
    // One RegExp for a path no entry has in any case (most requests); the exact case only for one that matched.
    if (anyCase?.test(path) === true) {
      if (exactCase?.test(path) === true) return true;
      // Another letter case than the entry's: where the routers of the request's app take it, when one can tell
      // (an Express app's routers each have their own rule); else by `caseSensitive`, the app's.
      // The framework's own request object (Koa's ctx; Express's is `req`), read only here.
      const request = ticket?.request;
      const known = typeof request === 'object' && request !== null ? request : req;
      const same = known === undefined || caseRouter === undefined ? undefined : sameRoute(known, path);
      if (same === true || (same === undefined && !caseSensitive)) return true;
    }
    return some && byPatterns(path);
  };
  const route = (template: string): boolean => anyCase?.test(template) === true;
  return Object.assign(test, { route });
}

/**
 * The path entries as one RegExp (`flags`: `i` for any letter case): a path followed by `/`, `?`, `#` or the end
 * (`'/'` matches every path). Undefined without paths.
 */
function pathsPattern(paths: readonly string[], flags: string): RegExp | undefined {
  if (paths.length === 0) return undefined;
  if (paths.includes('/')) return /^\//;
  const spellings = new Set<string>();
  for (const p of paths) {
    spellings.add(p);
    try {
      spellings.add(encodeURI(p));
    } catch {
      // a lone surrogate: no encoded form
    }
  }
  const escaped = [...spellings].map((p) => p.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));
  return new RegExp(`^(?:${escaped.join('|')})(?:[/?#]|$)`, flags);
}

/** `url` to its `?` or `#`. */
function pathOnly(url: string): string {
  const end = pathEnd(url, 0);
  return end === url.length ? url : url.slice(0, end);
}

/** Where the path of `url` ends, from `from`: its first `?` or `#`, or its length. */
function pathEnd(url: string, from: number): number {
  for (let i = from; i < url.length; i++) {
    const c = url.charCodeAt(i);
    if (c === 63 || c === 35) return i;
  }
  return url.length;
}

/**
 * The characters that make parseurl (Express, Koa) read a URL starting with `/` with Node's url.parse, which reads
 * `\` before the query as `/`: `/poll\1#x` is routed as `/poll/1`.
 */
const SLOW_PARSE = /[#\t\n\f\r \u00a0\ufeff]/;

/** The path (to its `?` or `#`) of a URL starting with `/` as url.parse reads it: `\` as `/`. */
function slowPath(url: string): string {
  const path = url.slice(0, pathEnd(url, 0));
  return path.includes('\\') ? path.replace(/\\/g, '/') : path;
}

/**
 * The path of an absolute-form target (`http://host/poll/1`, RFC 9112), as Node's url.parse reads it for Express
 * and Koa (parseurl): the host ends at the first `/`, `\`, `?` or `#`, `\` in the path is read as `/`; nothing is
 * decoded. `/` when it has none; undefined for what is no absolute URL (`*`).
 */
export function absolutePath(url: string): string | undefined {
  const scheme = url.indexOf('://');
  if (scheme <= 0 || !/^[a-z][a-z0-9+.-]*$/i.test(url.slice(0, scheme))) return undefined;
  const from = scheme + 3;
  for (let i = from; i < url.length; i++) {
    const c = url.charCodeAt(i);
    if (c === 47 || c === 92) return url.slice(i, pathEnd(url, i)).replace(/\\/g, '/');
    if (c === 63 || c === 35) return '/';
  }
  return '/';
}
