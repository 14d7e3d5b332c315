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

/** What was found: the plugin's hook first everywhere, moved to the head, or lists not found. */
export type HookOrder = 'first' | 'moved' | 'unknown';

type HookList = unknown[];

/**
 * Puts `front` at the head of every `onRequest` list (of `fastify` and the instances under it) that holds `hook`,
 * when `hook` is not first in one of them; returns what it found and did.
 */
export function putRecordingFirst(fastify: object, hook: unknown, front: unknown): HookOrder {
  const lists: HookList[] = [];
  if (!collectLists(fastify, lists, new Set())) return 'unknown';
  const holding = lists.filter((list) => list.includes(hook));
  if (holding.length === 0) return 'unknown';
  if (holding.every((list) => list[0] === hook)) return 'first';
  for (const list of holding) if (list[0] !== front) list.unshift(front);
  return 'moved';
}

/** The onRequest lists of `instance` and its encapsulated instances; false when one is not where expected. */
function collectLists(instance: object, lists: HookList[], seen: Set<object>): boolean {
  if (seen.has(instance)) return true;
  seen.add(instance);
  const hooks = symbolValue(instance, 'fastify.hooks') as { onRequest?: unknown } | undefined;
  const children = symbolValue(instance, 'fastify.children');
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
function symbolValue(object: object, description: string): unknown {
  for (const key of Object.getOwnPropertySymbols(object)) {
    if (key.description === description) return (object as Record<symbol, unknown>)[key];
  }
  return undefined;
}
