// The orchestrator probes (`/livez`, `/readyz`, `/startupz`): unauthenticated pass/fail for kubelets and
// load balancers, and the checks behind the verdict in IETF health+json for admins only.

import type { ServerResponse } from 'node:http';
import { invalidOption } from '../errors.js';
import type { ProbeVerdict } from '../lifecycle/lifecycle.js';
import { closeIfBodyUnread, type Headers, sendJson } from './respond.js';

/** The three probes: liveness, readiness, startup. */
export type ProbeKind = 'live' | 'ready' | 'startup';

/** Where the probes are served (outside the admin base path), or `false` to serve none. */
export interface ProbePathsOptions {
  /** @defaultValue '/livez' */
  live?: string | false;
  /** @defaultValue '/readyz' */
  ready?: string | false;
  /** @defaultValue '/startupz' */
  startup?: string | false;
}

export const DEFAULT_PROBE_PATHS: Readonly<Record<ProbeKind, string>> = Object.freeze({
  live: '/livez',
  ready: '/readyz',
  startup: '/startupz',
});

/** The probe paths in use, each with its kind. */
export type ProbePaths = ReadonlyArray<readonly [path: string, kind: ProbeKind]>;

export function parseProbePaths(
  options: ProbePathsOptions | false | undefined,
  basePath: string,
): ProbePaths {
  if (options === false) return [];
  if (options !== undefined && (options === null || typeof options !== 'object' || Array.isArray(options))) {
    throw invalidOption('`probePaths` must be an object { live, ready, startup } or false.');
  }
  const out: Array<readonly [string, ProbeKind]> = [];
  for (const key of Object.keys(options ?? {})) {
    if (!(key in DEFAULT_PROBE_PATHS)) {
      throw invalidOption(`\`probePaths\` has no key \`${key}\`; use live, ready and startup.`);
    }
  }
  for (const kind of ['live', 'ready', 'startup'] as const) {
    const given = options?.[kind];
    if (given === false) continue;
    const path = given ?? DEFAULT_PROBE_PATHS[kind];
    if (typeof path !== 'string' || !/^\/[A-Za-z0-9._~!$&'()*+,;=:@/-]*$/.test(path) || path.length > 200) {
      throw invalidOption(
        `\`probePaths.${kind}\` must be a path such as '${DEFAULT_PROBE_PATHS[kind]}' (got ${JSON.stringify(path)}).`,
      );
    }
    const trimmed = path.length > 1 ? path.replace(/\/+$/, '') : path;
    if (trimmed === basePath || trimmed.startsWith(`${basePath}/`)) {
      throw invalidOption(
        `\`probePaths.${kind}\` (${trimmed}) is under the admin base path ${basePath}; probes are served outside it, without credentials.`,
      );
    }
    if (out.some(([p]) => p === trimmed)) {
      throw invalidOption(`\`probePaths.${kind}\` (${trimmed}) is already used by another probe.`);
    }
    out.push([trimmed, kind]);
  }
  return out;
}

/**
 * The character codes a URL can have at index 1 when it is `path`, under it, or `path` with a query, for each of
 * `paths` (all starting with `/`): a URL whose second character is none of them (most application URLs) is under
 * none of the paths, which `startsWithAny` tells in one comparison per path rather than a prefix test each (issue 18).
 */
export function secondCodes(paths: readonly string[]): number[] {
  const codes = new Set<number>();
  for (const path of paths) {
    if (path.length > 1) codes.add(path.charCodeAt(1));
    else {
      codes.add(47); // `/` itself: `//`, `/?x`
      codes.add(63);
    }
  }
  return [...codes];
}

/** False when `url` cannot start with any of the paths `codes` was made from (secondCodes); true when it may. */
export function mayStartWithAny(codes: readonly number[], url: string): boolean {
  const c = url.charCodeAt(1);
  if (Number.isNaN(c)) return true; // `/` or empty: left to the full test
  for (let i = 0; i < codes.length; i++) if (codes[i] === c) return true;
  return false;
}

/** 1 at each ASCII code among `codes` (secondCodes), 0 elsewhere: mayStartWithAny for an ASCII second character. */
function asciiTable(codes: readonly number[]): Uint8Array {
  const table = new Uint8Array(128);
  for (const c of codes) if (c < 128) table[c] = 1;
  return table;
}

/**
 * The admin API's test of a request URL: under `basePath` (the path itself, a query or a sub-path) or at a probe.
 * Most application URLs differ from all of them at their second character, told in a comparison or two.
 */
export function adminUrlTest(basePath: string, probePaths: ProbePaths): (url: string) => boolean {
  const codes = secondCodes([basePath, ...probePaths.map(([p]) => p)]);
  const ascii = asciiTable(codes);
  const under = (url: string): boolean => {
    if (!mayStartWithAny(codes, url)) return false;
    if (!url.startsWith(basePath)) return probePaths.length > 0 && probeAt(probePaths, url) !== undefined;
    const next = url.charCodeAt(basePath.length);
    return Number.isNaN(next) || next === 47 /* / */ || next === 63 /* ? */;
  };
  // mayStartWithAny(codes, url) first, for an ASCII second character by one load from a table: most application
  // URLs stop there, in code small enough to be inlined into the adapters (issue 18: the loop over the codes was
  // ~120 instructions per request under callgrind, and the whole test used V8's inlining budget).
  return (url) => {
    const c = url.charCodeAt(1);
    return c < 128 && ascii[c] === 0 ? false : under(url);
  };
}

/**
 * The probe kind served at `url` (the path, one trailing slash, a query after either), without allocating;
 * undefined when none.
 */
export function probeAt(paths: ProbePaths, url: string): ProbeKind | undefined {
  for (let i = 0; i < paths.length; i++) {
    const [path, kind] = paths[i] as readonly [string, ProbeKind];
    if (!url.startsWith(path)) continue;
    const next = url.charCodeAt(path.length);
    if (
      Number.isNaN(next) ||
      next === 63 /* ? */ ||
      // `/livez/` and `/livez/?x=1` (outside review B: the slash and a query were the app's 404)
      (next === 47 /* / */ && (url.length === path.length + 1 || url.charCodeAt(path.length + 1) === 63))
    ) {
      return kind;
    }
  }
  return undefined;
}

const PLAIN: Readonly<Headers> = Object.freeze({
  'cache-control': 'no-store',
  'x-content-type-options': 'nosniff',
  'content-type': 'text/plain; charset=utf-8',
});

/** The unauthenticated answer: 200 `ok` or 503 `fail`, nothing else. */
export function sendProbePlain(res: ServerResponse, ok: boolean): void {
  if (res.headersSent) return;
  const body = ok ? 'ok\n' : 'fail\n';
  res.statusCode = ok ? 200 : 503;
  for (const name in PLAIN) res.setHeader(name, PLAIN[name] as string);
  closeIfBodyUnread(res);
  res.setHeader('content-length', Buffer.byteLength(body));
  res.end(body);
}

/**
 * The admin's answer in the IETF "Health Check Response Format for HTTP APIs" (draft-inadarei-api-health-check):
 * `application/health+json`, `status` pass|fail, and `checks` keyed `component:measurement`.
 */
export function sendProbeDetails(
  res: ServerResponse,
  kind: ProbeKind,
  verdict: ProbeVerdict,
  serviceId: string | undefined,
  now: number,
): void {
  const time = new Date(now).toISOString();
  const checks: Record<string, unknown[]> = {};
  for (const c of verdict.checks) {
    const { name, ...rest } = c;
    checks[name] = [{ ...rest, time }];
  }
  const body = {
    status: verdict.ok ? 'pass' : 'fail',
    description: `sysvitals ${kind === 'live' ? 'liveness' : kind === 'ready' ? 'readiness' : 'startup'} probe`,
    ...(serviceId ? { serviceId } : {}),
    checks,
  };
  sendJson(res, verdict.ok ? 200 : 503, body, undefined, 'application/health+json');
}

/** True when the client asked for the checks behind the verdict (`?verbose` as Kubernetes does, or the health+json media type). */
export function wantsDetails(search: URLSearchParams, accept: string | undefined): boolean {
  return search.has('verbose') || (accept ?? '').toLowerCase().includes('application/health+json');
}
