// An application route an admin endpoint under basePath shadows (outside review 33, RT33-4): with a shared basePath
// ('/api'), the app's own `GET /api/health` is the admin API's (its 401), and the app's route never runs. The adapters
// tell it once per such route, from the app's route table as they can see it (Express and @koa/router: a lookup of
// each endpoint's path, deferred after the first request; Fastify: its routes as they are added, and a lookup when
// ready). A route whose template is itself an endpoint's path (`/api/health`, `/api/silences/:id`) is told as
// shadowed; a route written under basePath that takes an endpoint's path among others (`/api/:name`, `/api/*`, a
// koa-mount'ed sub-app at `/api`) is told as covering it, naming the endpoints whose paths it loses (it still runs
// for its other paths), as is a RegExp route that takes an endpoint's path and no path outside basePath
// (`/^\/api\/j[a-z]+$/`, RT38-5). A route not written under basePath (`/:page`, `*`, `/.*/`: a fallback) is not told.
//
// The lookup (one per endpoint path and method: ~30k layer matches on a 1,000-route app) runs in steps after the
// first request, each in its own setImmediate, never inside a request's handling (deferShadowScan).

import type { AdminApi } from '../http/admin-api-options.js';
import { ADMIN_ENDPOINT_PATHS } from '../http/admin-paths.js';
import type { Logger } from '../types.js';

/** The methods looked up at each endpoint's path (HEAD goes with GET, OPTIONS is a preflight's). */
export const SHADOW_METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'] as const;

type Api = Pick<AdminApi<unknown>, 'basePath' | 'isAdminPath' | 'isEndpointUrl'>;

/** The paths of the endpoints under the base, as a request would spell them: `/api/health`, `/api/health/`, `/api/silences/x`. */
export function endpointProbes(basePath: string): string[] {
  const out: string[] = [];
  for (const [path, prefix] of ADMIN_ENDPOINT_PATHS) {
    out.push(`${basePath}/${path}`, `${basePath}/${path}/`);
    if (prefix) out.push(`${basePath}/${path}/x`);
  }
  return out;
}

/** Whether an app route's template is an endpoint's path under the base: every path it takes is the admin API's. */
export function shadowedTemplate(api: Api, template: unknown): template is string {
  return (
    typeof template === 'string' &&
    template !== api.basePath &&
    api.isAdminPath(template) &&
    api.isEndpointUrl(template)
  );
}

/**
 * Whether an app route's template is written under the base (`/api/:name`, `/api/*splat`, a mount at `/api`): one
 * that reaches an endpoint's path covers it. A template above the base (`/:page`, `*`, `/`) is a fallback and not told.
 */
function underBase(api: Api, template: unknown): template is string {
  return (
    typeof template === 'string' &&
    (template === api.basePath || template.startsWith(`${api.basePath}/`) || api.isAdminPath(template))
  );
}

/** Paths outside any basePath: a RegExp route that takes one of them is a fallback (`/.+/`), not told. */
const OUTSIDE = ['/', '/sysvitals-outside', '/sysvitals-outside/x'];

/**
 * Whether an app route's template is a RegExp's (`/^\/api\/j[a-z]+$/`, as Express and @koa/router label a RegExp
 * route) that takes the endpoint path `probe` and no path outside the base (RT38-5): it covers that endpoint as a
 * template written under the base does. A RegExp that also takes other paths (`/.+/`, any path) is a fallback and not told.
 */
function regexpUnderBase(template: unknown, probe: string): template is string {
  if (typeof template !== 'string') return false;
  const m = /^\/([\s\S]+)\/([dgimsuvy]*)$/.exec(template);
  // A path template has no `\`, `^` or `$` (a RegExp without one, `/api/`, reads as the path it spells).
  if (m === null || !/[\\^$]/.test(m[1] as string)) return false;
  try {
    const re = new RegExp(m[1] as string, (m[2] as string).replace(/[gy]/g, ''));
    return re.test(probe) && !OUTSIDE.some((p) => re.test(p));
  } catch {
    return false;
  }
}

/** The endpoint a probe path stands for: `/api/silences/x` is `/api/silences/…`, `/api/health/` is `/api/health`. */
function endpointOf(probe: string): string {
  if (probe.endsWith('/x')) return `${probe.slice(0, -2)}/…`;
  return probe.endsWith('/') ? probe.slice(0, -1) : probe;
}

interface Told {
  template: string;
  methods: Set<string>;
  /** The endpoints a covering route loses; undefined for a shadowed one (all its paths are endpoints). */
  covers?: Set<string>;
}

/** Collects the shadowed and covering routes (template -> methods), and logs one warning for each, once. */
export class ShadowedRoutes {
  private readonly routes = new Map<string, Told>();
  private readonly told = new Set<string>();

  constructor(
    private readonly api: Api,
    private readonly logger: Logger | undefined,
  ) {}

  /**
   * Notes an app route (method, template) when an endpoint shadows it; with `probe`, the path looked up that reached
   * it: a route under the base that reached an endpoint's path covers that endpoint.
   */
  add(method: string, template: unknown, probe?: string): void {
    const m = method.toUpperCase();
    if (m === 'HEAD' || m === 'OPTIONS') return;
    const shadowed = shadowedTemplate(this.api, template);
    if (
      !shadowed &&
      (probe === undefined || !(underBase(this.api, template) || regexpUnderBase(template, probe)))
    ) {
      return;
    }
    const t = template as string;
    // `/api/health/` and `/api/health` (a router that ignores the trailing slash finds one by the other) are one.
    const key = t.length > 1 && t.endsWith('/') ? t.slice(0, -1) : t;
    let route = this.routes.get(key);
    if (route === undefined) {
      route = { template: t, methods: new Set() };
      this.routes.set(key, route);
    }
    route.methods.add(m);
    if (!shadowed && probe !== undefined) {
      route.covers ??= new Set();
      route.covers.add(endpointOf(probe));
    }
  }

  /** The lookups: each endpoint's path with each method (`lookup` gives the template it reaches, undefined: none). */
  private steps(lookup: (method: string, path: string) => unknown): (() => void)[] {
    return endpointProbes(this.api.basePath).map((path) => () => {
      for (const method of SHADOW_METHODS) this.add(method, lookup(method, path), path);
    });
  }

  /** Looks up each endpoint's path with each method now. Never throws. */
  probe(lookup: (method: string, path: string) => unknown): void {
    try {
      for (const step of this.steps(lookup)) step();
    } catch {
      // a router we do not know: nothing told
    }
  }

  /**
   * Looks up each endpoint's path with each method, one path per setImmediate (no request waits for the whole
   * scan), then warns. Never throws. Stops, warning nothing, once `stopped()` (the monitor closed): the pending
   * steps would otherwise hold a closed monitor until the scan ends.
   */
  probeDeferred(
    lookup: (method: string, path: string) => unknown,
    stopped: () => boolean = () => false,
  ): void {
    const steps = this.steps(lookup);
    let i = 0;
    const next = (): void => {
      if (stopped()) return;
      try {
        steps[i++]?.();
      } catch {
        i = steps.length; // a router we do not know: nothing more looked up
      }
      if (i < steps.length) setImmediate(next);
      else this.warn();
    };
    setImmediate(next);
  }

  /** Logs one warning per shadowed or covering route not told yet, then that the check is done (debug). */
  warn(): void {
    const base = this.api.basePath;
    for (const [key, { template, methods, covers }] of this.routes) {
      if (this.told.has(key)) continue;
      this.told.add(key);
      const method = [...methods].join(', ');
      if (covers === undefined) {
        this.logger?.warn(
          { route: template, methods: [...methods], basePath: base },
          `sysvitals: ${method} ${template} is an admin endpoint under basePath '${base}'; ` +
            "the app's route never runs. Choose another basePath",
        );
      } else {
        const endpoints = [...covers];
        this.logger?.warn(
          { route: template, methods: [...methods], endpoints, basePath: base },
          `sysvitals: ${method} ${template} covers the admin endpoint${endpoints.length > 1 ? 's' : ''} ` +
            `${endpoints.join(', ')} under basePath '${base}'; the app's route never runs for ` +
            `${endpoints.length > 1 ? 'those paths' : 'that path'}. Choose another basePath`,
        );
      }
    }
    this.logger?.debug?.({ basePath: base }, 'sysvitals: basePath shadow check done');
  }
}
