// An application route an admin endpoint under basePath shadows (outside review 33, RT33-4): with a shared basePath
// ('/api'), the app's own `GET /api/health` is the admin API's (its 401), and the app's route never runs. The adapters
// tell it once per such route, from the app's route table as they can see it (Express and @koa/router: a lookup of
// each endpoint's path at the first request; Fastify: its routes as they are added, and a lookup when ready).
// Only routes whose template is itself an endpoint's path (`/api/health`, `/api/silences/:id`) are told: a template
// that takes other paths too (`/api/:name`, a catch-all) still runs for those.

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

/** Collects the shadowed routes (template -> methods), and logs one warning for each, once. */
export class ShadowedRoutes {
  private readonly routes = new Map<string, { template: string; methods: Set<string> }>();
  private readonly told = new Set<string>();

  constructor(
    private readonly api: Api,
    private readonly logger: Logger | undefined,
  ) {}

  /** Notes an app route (method, template) when an endpoint shadows it. */
  add(method: string, template: unknown): void {
    if (!shadowedTemplate(this.api, template)) return;
    const m = method.toUpperCase();
    if (m === 'HEAD' || m === 'OPTIONS') return;
    // `/api/health/` and `/api/health` (a router that ignores the trailing slash finds one by the other) are one.
    const key = template.endsWith('/') ? template.slice(0, -1) : template;
    let route = this.routes.get(key);
    if (route === undefined) {
      route = { template, methods: new Set() };
      this.routes.set(key, route);
    }
    route.methods.add(m);
  }

  /**
   * Looks up each endpoint's path with each method: `lookup` gives the template of the app route it reaches
   * (undefined: none). Never throws.
   */
  probe(lookup: (method: string, path: string) => unknown): void {
    try {
      for (const path of endpointProbes(this.api.basePath)) {
        for (const method of SHADOW_METHODS) this.add(method, lookup(method, path));
      }
    } catch {
      // a router we do not know: nothing told
    }
  }

  /** Logs one warning per shadowed route not told yet. */
  warn(): void {
    for (const [key, { template, methods }] of this.routes) {
      if (this.told.has(key)) continue;
      this.told.add(key);
      const method = [...methods].join(', ');
      this.logger?.warn(
        { route: template, methods: [...methods], basePath: this.api.basePath },
        `sysvitals: ${method} ${template} is an admin endpoint under basePath '${this.api.basePath}'; ` +
          "the app's route never runs. Choose another basePath",
      );
    }
  }
}
