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
// - A sub-app's routers are in koa-mount's closure, out of reach of koa-would-match.ts (which reads the app's
//   middleware). So, from the app's first mount on, what each sub-app level holds is learnt from the requests it
//   handles: `router` becomes an accessor too (@koa/router's dispatch sets `ctx.router` to itself on every request
//   it routes, matched or not), noting the router under the level whose path it routed, and each nested mount
//   entered is noted under the level it was entered from; in the order first seen, which is the sub-app's middleware
//   order (a request reaching a router or mount passed those before it). Bounded (MAX_LEVELS, MAX_ITEMS), keyed by
//   the literal prefixes only. Until a sub-app's router has routed a request, it is not seen (koa.ts warns once).

import type { Context } from 'koa';
import { UNMATCHED_ROUTE } from './common.js';

const HOOKED = Symbol('sysvitals.koaMountHooked');
const MOUNT_PATH = Symbol('sysvitals.koaMountPath');
const MOUNTS = Symbol('sysvitals.koaMounts');
const MATCHED = Symbol('sysvitals.koaMatchedRoute');
const MATCHED_HOOKED = Symbol('sysvitals.koaMatchedRouteHooked');
const MATCHED_PREFIX = Symbol('sysvitals.koaMatchedPrefix');
const ROUTER = Symbol('sysvitals.koaRouter');
const LEARNT = Symbol('sysvitals.koaMountLearnt');
/** Sub-app levels learnt per app, and items (routers, nested mounts) per level: bounds on what is kept. */
const MAX_LEVELS = 64;
const MAX_ITEMS = 32;

/** What a sub-app level was seen to hold: a @koa/router, or a nested koa-mount (its whole prefix). */
export type LevelItem = { readonly router: object } | { readonly mount: string };
/** Per whole mount prefix (`/api`, `/api/v2`), its items in middleware order as learnt. */
export type LearntLevels = Map<string, LevelItem[]>;

/** A sub-app koa-mount entered in this request: its whole prefix and the path it sees. */
interface Mount {
  prefix: string;
  path: string;
}

interface MountSlots {
  [MOUNT_PATH]?: unknown;
  [ROUTER]?: unknown;
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
  const whole = outer === undefined ? prefix : joinMount(outer, prefix);
  mounts.push({ prefix: whole, path: inner });
  if (!Object.hasOwn(proto, MATCHED_HOOKED)) hookMatchedRoute(proto);
  if (outer !== undefined) learn(proto, outer, whole, undefined);
}

/** Notes `router` (or the nested mount at `mount`) under the sub-app level `level`, once, within the bounds. */
function learn(proto: object, level: string, mount: string | undefined, router: object | undefined): void {
  let levels = (proto as { [LEARNT]?: LearntLevels })[LEARNT];
  if (levels === undefined) {
    levels = new Map();
    Object.defineProperty(proto, LEARNT, { value: levels });
  }
  let items = levels.get(level);
  if (items === undefined) {
    if (levels.size >= MAX_LEVELS) return;
    items = [];
    levels.set(level, items);
  }
  if (items.length >= MAX_ITEMS) return;
  for (const item of items) {
    if ('router' in item ? item.router === router : item.mount === mount) return;
  }
  items.push(router !== undefined ? { router } : { mount: mount as string });
}

/** The sub-app levels learnt for a Koa app (its context prototype's), if any. */
export function learntLevels(app: unknown): LearntLevels | undefined {
  const proto = (app as { context?: unknown } | null | undefined)?.context;
  if (proto === null || typeof proto !== 'object') return undefined;
  return (proto as { [LEARNT]?: LearntLevels })[LEARNT];
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
  if (Object.getOwnPropertyDescriptor(proto, 'router')?.configurable === false) return;
  Object.defineProperty(proto, 'router', {
    configurable: true,
    enumerable: false,
    get(this: MountSlots) {
      return this[ROUTER];
    },
    set(this: MountSlots, value: unknown) {
      this[ROUTER] = value;
      const mounts = this[MOUNTS];
      if (mounts === undefined || value === null || typeof value !== 'object') return;
      const level = levelOf(mounts, typeof this.path === 'string' ? this.path : '');
      if (level !== undefined) learn(proto, level, undefined, value);
    },
  });
}
