// Fastify runs an instance's `onRequest` hooks in the order they were added, and a route copies its instance's hook
// lists when the app becomes ready. An application hook added before `app.register(monitor.plugin())` (auth, JWT,
// rate limit, helmet: usually registered first) therefore ran before sysvitals' hook: what it answered (a 401) was
// never recorded, and a request it held (an auth service that hangs) was not in flight (outside review F11).
//
// Once the plugin's hook is in place (an `after` of the plugin), this looks at the `onRequest` list of the instance
// the plugin was registered on and of every instance encapsulated under it (Fastify adds an instance's hook to all
// of them). When the plugin's hook is first in every list, nothing changes: one hook per request (issue 18). When
// some hook comes before it, a second hook of the plugin is put at the head of each list that holds the plugin's
// hook: it starts the request's recording, and the plugin's hook, where it was added, keeps what must see the
// earlier hooks' work (the admin API and WebSocket upgrades, whose `authorize` may read a session an earlier hook
// set). Those applications pay one more hook call per request, nothing allocated.
//
// The lists are Fastify's own (`Symbol('fastify.hooks')`, `Symbol('fastify.children')`, the same in Fastify 4 and
// 5), found by their descriptions: when they are not there (a Fastify that stores hooks otherwise), the order cannot
// be checked or changed, and the plugin says so in one warning.
//
// The lists looked at are those of the app's root instance and of every instance under it, wherever the plugin was
// registered: registered inside an encapsulated plugin of the app's own (a `plugins/monitoring.js` that
// @fastify/autoload loads without fastify-plugin, `app.register(async (f) => { await f.register(monitor.plugin()) })`),
// its hook was in that plugin's lists only, and the app's other routes and the admin API's base path were never
// reached (outside review 39, RT39-3). A list that lacks the plugin's hook gets it at its head. The root is found up
// the prototype chain (Fastify makes an encapsulated instance with `Object.create(parent)`, 4 and 5).

/** What was found: the plugin's hook first everywhere, moved to the head, or lists not found. */
export type HookOrder = 'first' | 'moved' | 'unknown';

type HookList = unknown[];

/**
 * Puts `front` at the head of every `onRequest` list (of `fastify` and the instances under it) that holds `hook`,
 * when `hook` is not first in one of them; returns what it found and did.
 */
export function putRecordingFirst(fastify: object, hook: unknown, front: unknown): HookOrder {
  const lists: HookList[] = [];
  if (!collectLists(rootInstance(fastify), lists, new Set())) return 'unknown';
  if (!lists.some((list) => list.includes(hook))) return 'unknown';
  // The root's and other plugins' lists when registered inside a plugin (RT39-3); a plugin loaded before it at the root.
  for (const list of lists) if (!list.includes(hook)) list.unshift(hook);
  if (lists.every((list) => list[0] === hook)) return 'first';
  for (const list of lists) if (list[0] !== front) list.unshift(front);
  return 'moved';
}

/**
 * The app's root instance: up the prototype chain of `fastify` while the next one is a Fastify instance too (has its
 * own `Symbol('fastify.children')`). `fastify` itself when it is the root, or not a Fastify instance.
 */
export function rootInstance<T extends object>(fastify: T): T {
  let root: object = fastify;
  for (;;) {
    const parent = Object.getPrototypeOf(root) as object | null;
    if (parent === null || !Array.isArray(ownSymbolValue(parent, 'fastify.children'))) return root as T;
    root = parent;
  }
}

/**
 * The apps (root instances) a plugin is registered in. Each registration reaches the app's root (RT39-3), so a second
 * one in the same app, at its root or inside an encapsulated plugin, would record every request twice (outside review
 * 42, RT42-10): `enter` gives the app's root the first time, undefined after (calling `warn` the first such time only).
 */
export class PluginApps {
  private readonly roots = new WeakSet<object>();
  private warned = false;

  enter<T extends object>(fastify: T, warn: () => void): T | undefined {
    const root = rootInstance(fastify);
    if (!this.roots.has(root)) {
      this.roots.add(root);
      return root;
    }
    if (!this.warned) warn();
    this.warned = true;
    return undefined;
  }
}

/** The onRequest lists of `instance` and its encapsulated instances; false when one is not where expected. */
function collectLists(instance: object, lists: HookList[], seen: Set<object>): boolean {
  if (seen.has(instance)) return true;
  seen.add(instance);
  const hooks = ownSymbolValue(instance, 'fastify.hooks') as { onRequest?: unknown } | undefined;
  const children = ownSymbolValue(instance, 'fastify.children');
  if (hooks === undefined || hooks === null || !Array.isArray(hooks.onRequest) || !Array.isArray(children))
    return false;
  if (!lists.includes(hooks.onRequest)) lists.push(hooks.onRequest);
  for (const child of children) {
    if (child === null || typeof child !== 'object') return false;
    if (!collectLists(child as object, lists, seen)) return false;
  }
  return true;
}

/** An own property of `object` (not its prototypes': an instance's lists are its own) keyed by a symbol so described. */
function ownSymbolValue(object: object, description: string): unknown {
  for (const key of Object.getOwnPropertySymbols(object)) {
    if (key.description === description) return (object as Record<symbol, unknown>)[key];
  }
  return undefined;
}
