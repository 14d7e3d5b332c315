// The `excludeRoutes` test on a request's URL: the spellings of a path that Express, Fastify and Koa route as that
// path (outside review 6, F3) are reduced to it before the test, paid for only by URLs that have one.

/**
 * A test of `excludeRoutes` on a request's URL (its path: the query string is never matched), and `route`, the same
 * test of a route template (`/poll/:id`) by the path entries only, for an adapter that knows it when a request starts.
 */
export interface ExcludedRouteTest {
  (url: string): boolean;
  route(template: string): boolean;
}

/**
 * Builds the test from `paths` (without a trailing `/`) and `patterns`. A path entry matches a path that is it or
 * lies under it (followed by `/`, `?`, `#`, `;` or the end), in any letter case. An ordinary URL (starting with `/`,
 * with no `%`, `\` or `//` in its path) is tested as it is, with one RegExp for the path entries; any other is also
 * tested in the forms routers read it in (routedPaths), and is excluded when one of them matches.
 */
export function excludedRouteTest(paths: readonly string[], patterns: readonly RegExp[]): ExcludedRouteTest {
  const byPath = pathsPattern(paths, '');
  // The same alternatives, or the start of a URL that needs routedPaths(): one RegExp per ordinary request.
  const byPathOrOdd = pathsPattern(paths, '|[^/]|[^?#]*?(?:[%\\\\]|//)') as RegExp;
  /** The RegExp entries on a URL's path (to its `?` or `#`), and on the path to its `;` when it has one. */
  const byPatterns = (url: string): boolean => {
    const end = pathEnd(url, 0);
    const path = end === url.length ? url : url.slice(0, end);
    for (const re of patterns) if (re.test(path)) return true;
    // `;` ends the path for Fastify 4 (and 5 with useSemicolonDelimiter): `/feed/1;x` is routed as `/feed/1`.
    const semi = path.indexOf(';');
    if (semi === -1) return false;
    const cut = path.slice(0, semi);
    for (const re of patterns) if (re.test(cut)) return true;
    return false;
  };
  const some = patterns.length !== 0;
  const matches = (url: string): boolean => byPath?.test(url) === true || (some && byPatterns(url));
  const test = (url: string): boolean => {
    if (!byPathOrOdd.test(url)) return some && byPatterns(url);
    if (matches(url)) return true;
    for (const path of routedPaths(url)) if (matches(path)) return true;
    return false;
  };
  const route = (template: string): boolean => byPath?.test(template) === true;
  return Object.assign(test, { route });
}

/**
 * The path entries as one RegExp (any letter case): a path followed by `/`, `?`, `#`, `;` or the end (`'/'` matches
 * every path), then the alternatives in `more`. Undefined without paths or alternatives.
 */
function pathsPattern(paths: readonly string[], more: string): RegExp | undefined {
  if (paths.length === 0 && more === '') return undefined;
  if (paths.includes('/')) return new RegExp(`^(?:/${more})`);
  const escaped = paths.map((p) => p.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));
  const entries = paths.length === 0 ? '(?!)' : `(?:${escaped.join('|')})(?:[/?#;]|$)`;
  return new RegExp(`^(?:${entries}${more})`, 'i');
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
 * The paths a router may route `url` as, when it is not an ordinary one (none when it is not a path or an
 * absolute URL: `*`). Every one is percent-decoded, with `\` read as `/` and duplicate slashes collapsed; an
 * absolute-form target (`http://host/poll`, RFC 9112) gives its path (the host ends at the first `/`, `\`, `?` or
 * `#`, as Node's url.parse, which Express and Koa route on, reads it), and also the rest after the first `/`, as
 * Fastify 4 reads it (`http://x?/poll` is `/poll` there).
 */
export function routedPaths(url: string): string[] {
  if (url.charCodeAt(0) === 47) return [normalisedPath(url.slice(0, pathEnd(url, 0)))];
  const scheme = url.indexOf('://');
  if (scheme <= 0 || !/^[a-z][a-z0-9+.-]*$/i.test(url.slice(0, scheme))) return [];
  const from = scheme + 3;
  let hostEnd = url.length;
  for (let i = from; i < url.length; i++) {
    const c = url.charCodeAt(i);
    if (c === 47 || c === 92 || c === 63 || c === 35) {
      hostEnd = i;
      break;
    }
  }
  const c = url.charCodeAt(hostEnd);
  const paths = [c === 47 || c === 92 ? normalisedPath(url.slice(hostEnd, pathEnd(url, hostEnd))) : '/'];
  const slash = url.indexOf('/', from);
  if (slash !== -1 && slash !== hostEnd) paths.push(normalisedPath(url.slice(slash, pathEnd(url, slash))));
  return paths;
}

/**
 * A path (no query) as routers that decode it read it: `\` as `/`; each run of %-escapes decoded as decodeURI()
 * decodes it (Fastify's find-my-way), so the reserved characters stay encoded (`%2F` is not a `/`, `%3F` not a
 * `?`), and `%25` stays `%25` (decoded once, never twice); a run that is not valid UTF-8 (`%zz` is no run) stays
 * as it is; then duplicate slashes collapsed (Fastify's `ignoreDuplicateSlashes`). Dot segments are not resolved:
 * no router routes `/x/../poll` as `/poll`.
 */
export function normalisedPath(path: string): string {
  let p = path.includes('\\') ? path.replace(/\\/g, '/') : path;
  if (p.includes('%')) p = p.replace(/(?:%[0-9a-f]{2})+/gi, decodeRun);
  return p.includes('//') ? p.replace(/\/{2,}/g, '/') : p;
}

function decodeRun(run: string): string {
  try {
    return decodeURI(run.replace(/%25/g, '%2525'));
  } catch {
    return run;
  }
}
