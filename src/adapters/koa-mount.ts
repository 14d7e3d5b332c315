// koa-mount's mount paths in the Koa route label (outside review 5, R6).
//
// koa-mount (`app.use(mount('/v1', subApp))`) runs the sub-app's middleware on the same ctx with `ctx.path`
// cut to what follows the prefix, so @koa/router's `_matchedRoute` is relative to the sub-app (`/items/:id`)
// and /v1 and /v2 would merge into one row. What koa-mount leaves behind is `ctx.mountPath = prefix`, set
// as it enters a sub-app (only the innermost and last one survives, and never cleared), so the label is
// worked out while the request is routed:
// - once per app, `mountPath` becomes an accessor on the app's context prototype (app.context, shared by
//   every ctx of the app and of the sub-apps koa-mount runs on them). Its setter runs only when koa-mount
//   enters a sub-app: it records the literal prefix joined to the prefix of the level it was entered from
//   (nested mounts), with the path the sub-app sees; and, on the app's first mount, makes `_matchedRoute`
//   an accessor too, whose setter keeps, beside the router's value, the mount prefix of the level whose
//   path the router matched (none: outside every mount, or after a mount fell through to the outer app).
// - An app that never mounts pays one symbol lookup per request (the install check) and nothing else:
//   its `_matchedRoute` stays a plain property.
// Mount paths are literal strings in koa-mount (no parameters), so the prefix is the pattern the app wrote.

import type { Context } from 'koa';
import { UNMATCHED_ROUTE } from './common.js';

const HOOKED = Symbol('sysvitals.koaMountHooked');
const MOUNT_PATH = Symbol('sysvitals.koaMountPath');
const MOUNTS = Symbol('sysvitals.koaMounts');
const MATCHED = Symbol('sysvitals.koaMatchedRoute');
const MATCHED_HOOKED = Symbol('sysvitals.koaMatchedRouteHooked');
const MATCHED_PREFIX = Symbol('sysvitals.koaMatchedPrefix');

/** A sub-app koa-mount entered in this request: its whole prefix and the path it sees. */
interface Mount {
  prefix: string;
  path: string;
}

interface MountSlots {
  [MOUNT_PATH]?: unknown;
  [MOUNTS]?: Mount[];
  [MATCHED]?: unknown;
  [MATCHED_PREFIX]?: string;
  [HOOKED]?: true;
  path?: unknown;
}

/** Hooks the app's context prototype once (a symbol lookup per request after that). */
export function watchKoaMounts(ctx: Context): void {
  // The lookup alone is inlined into the middleware (issue 18: V8's inlining budget, see response-end.ts trackFlight).
  if ((ctx as MountSlots)[HOOKED] !== true) hookKoaMounts(ctx);
}

/** watchKoaMounts() for a context whose app is not hooked yet. */
function hookKoaMounts(ctx: Context): void {
  const proto = (ctx.app as { context?: object } | undefined)?.context ?? Object.getPrototypeOf(ctx);
  if (proto === null || typeof proto !== 'object' || Object.hasOwn(proto, HOOKED)) return;
  Object.defineProperty(proto, HOOKED, { value: true });
  const existing = Object.getOwnPropertyDescriptor(proto, 'mountPath');
  if (existing !== undefined && !existing.configurable) return; // someone else's: leave it alone
  Object.defineProperty(proto, 'mountPath', {
    configurable: true,
    enumerable: false,
    get(this: MountSlots) {
      return this[MOUNT_PATH] ?? existing?.value;
    },
    set(this: MountSlots, prefix: unknown) {
      this[MOUNT_PATH] = prefix;
      if (typeof prefix === 'string') entered(proto, this, prefix);
    },
  });
}

/** The route label: @koa/router's `_matchedRoute` with the mount prefix it was matched under. */
export function koaRouteOf(ctx: Context): string | undefined {
  const matched = (ctx as { _matchedRoute?: unknown })._matchedRoute;
  if (matched === undefined) return undefined;
  // A string as it is: String() of one is a builtin call per request (~40 instructions under callgrind, issue 18).
  const route = typeof matched === 'string' ? matched : String(matched);
  const prefix = (ctx as MountSlots)[MATCHED_PREFIX];
  return prefix === undefined ? route : joinMount(prefix, route);
}

/** koaRouteOf, or `unmatched`. */
export function koaRouteLabel(ctx: Context): string {
  return koaRouteOf(ctx) ?? UNMATCHED_ROUTE;
}

/** `/v1` + `/items/:id`; the sub-app's root `/` is the prefix itself. */
export function joinMount(prefix: string, route: string): string {
  const base = prefix.endsWith('/') ? prefix.slice(0, -1) : prefix;
  if (route === '/' || route === '') return base === '' ? '/' : base;
  return route.startsWith('/') ? base + route : `${base}/${route}`;
}

/** koa-mount is entering a sub-app at `prefix` from the level whose path is `ctx.path` (not cut yet). */
function entered(proto: object, ctx: MountSlots, prefix: string): void {
  const from = typeof ctx.path === 'string' ? ctx.path : '';
  const mounts = ctx[MOUNTS] ?? [];
  ctx[MOUNTS] = mounts;
  const outer = levelOf(mounts, from);
  // The path koa-mount hands the sub-app, as it computes it (the prefix is at the start: it matched).
  const inner = from.slice(prefix.length) || '/';
  mounts.push({ prefix: outer === undefined ? prefix : joinMount(outer, prefix), path: inner });
  if (!Object.hasOwn(proto, MATCHED_HOOKED)) hookMatchedRoute(proto);
}

/** The whole prefix of the most recently entered level that sees `path`; none: the outer app's. */
function levelOf(mounts: Mount[], path: string): string | undefined {
  for (let i = mounts.length - 1; i >= 0; i--) {
    const m = mounts[i] as Mount;
    if (m.path === path) return m.prefix;
  }
  return undefined;
}

/** From the app's first mount on: `_matchedRoute` keeps the prefix of the level the router matched in. */
function hookMatchedRoute(proto: object): void {
  Object.defineProperty(proto, MATCHED_HOOKED, { value: true });
  if (Object.getOwnPropertyDescriptor(proto, '_matchedRoute')?.configurable === false) return;
  Object.defineProperty(proto, '_matchedRoute', {
    configurable: true,
    enumerable: false,
    get(this: MountSlots) {
      return this[MATCHED];
    },
    set(this: MountSlots, value: unknown) {
      this[MATCHED] = value;
      const mounts = this[MOUNTS];
      this[MATCHED_PREFIX] =
        mounts === undefined ? undefined : levelOf(mounts, typeof this.path === 'string' ? this.path : '');
    },
  });
}
