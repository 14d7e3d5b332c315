// Requests Fastify's router answers itself, before any route and so before any hook: a malformed %-encoding in the
// path (400, `onBadUrl`) and, on Fastify 5, a parameter over `maxParamLength` (414, `onMaxParamLength`), or the
// application's `frameworkErrors` for either. find-my-way (Fastify's router) reaches them through two methods of its
// prototype, `_onBadUrl(path)` and `_onMaxParamLength(path)`, which return the handle it then calls with the request:
// wrapped once per copy of find-my-way, they see exactly these requests and nothing else (an application request
// costs nothing more: issue 18). Node's server keeps no start time for a request and its 'finish' channel has no
// start either: the start is taken here, when the router gives up on the path.

import type { IncomingMessage, ServerResponse } from 'node:http';
import { performance } from 'node:perf_hooks';

/**
 * Told of one request the router answers, before Fastify answers it: `start` is performance.now() when the router
 * gave up on its path. False: the request was answered already (shed, 503), and Fastify's answer is skipped.
 */
export type RouterAnswered = (req: IncomingMessage, res: ServerResponse, start: number) => boolean;

type Handle = { handler?: unknown } | null | undefined;
type HandleMaker = (this: Router, path: string) => Handle;
/** What is read of a find-my-way router: its routes, whose `store` is Fastify's route context (`server`: its instance). */
type Router = { routes?: ReadonlyArray<{ store?: { server?: unknown } | null }> };

const METHODS = ['_onBadUrl', '_onMaxParamLength'] as const;
// This copy of sysvitals's mark (not Symbol.for): a second copy in the process (its CJS and ESM builds both loaded)
// wraps again, and each wrapper asks its own copy's plugins.
const PATCHED = Symbol('sysvitals.routerAnswers');

/** The Fastify instances told (a plugin's, with what it is told), and each router's owner once found. */
const owners = new Map<object, RouterAnswered>();
let ownerOf = new WeakMap<Router, RouterAnswered | null>();

/**
 * Tells `answered` of the requests the router of `fastify` (the instance the plugin is registered on, and those it
 * encapsulates) answers itself. False when this Fastify's router is not the find-my-way expected (then nothing is
 * wrapped: those requests stay unrecorded, as before).
 */
export function watchRouterAnswers(fastify: object, answered: RouterAnswered): boolean {
  // The 404 router (`fastify[Symbol('fastify.404')].router`) is made by the same find-my-way as the main router.
  const fourOhFour = symbolValue(fastify, 'fastify.404') as { router?: object } | undefined;
  const proto = fourOhFour?.router
    ? (Object.getPrototypeOf(fourOhFour.router) as Record<PropertyKey, unknown>)
    : null;
  if (proto === null || typeof proto._onBadUrl !== 'function') return false;
  owners.set(fastify, answered);
  ownerOf = new WeakMap(); // a router found to have none may be this one's
  if (proto[PATCHED] !== true) {
    proto[PATCHED] = true;
    for (const name of METHODS)
      if (typeof proto[name] === 'function') proto[name] = wrap(proto[name] as HandleMaker);
  }
  return true;
}

/** Stops telling `fastify`'s plugin (its instance closed). */
export function unwatchRouterAnswers(fastify: object): void {
  if (owners.delete(fastify)) ownerOf = new WeakMap();
}

function wrap(original: HandleMaker): HandleMaker {
  return function routerAnswers(this: Router, path: string): Handle {
    const handle = original.call(this, path);
    const handler = handle?.handler;
    if (typeof handler !== 'function') return handle;
    const answered = findOwner(this);
    if (answered === null) return handle;
    const start = performance.now();
    (handle as { handler: unknown }).handler = function answer(
      this: unknown,
      req: IncomingMessage,
      res: ServerResponse,
      ...rest: unknown[]
    ): unknown {
      let go = true;
      try {
        go = answered(req, res, start);
      } catch {
        // Never in the way of Fastify's answer (this runs inside its router, where a throw would escape).
      }
      return go ? handler.call(this, req, res, ...rest) : undefined;
    };
    return handle;
  };
}

/** The plugin told of `router`'s requests: the one registered on the instance of its routes (or an ancestor of it). */
function findOwner(router: Router): RouterAnswered | null {
  const known = ownerOf.get(router);
  if (known !== undefined) return known;
  let found: RouterAnswered | null = null;
  for (const route of router.routes ?? []) {
    const server = route.store?.server;
    if (server === null || typeof server !== 'object') continue;
    for (const [instance, answered] of owners) {
      if (instance === server || Object.prototype.isPrototypeOf.call(instance, server)) found = answered;
    }
    if (found !== null) break;
  }
  ownerOf.set(router, found);
  return found;
}

/** The value of the symbol described `description` on `object` or its prototypes (Fastify's instances inherit them). */
function symbolValue(object: object, description: string): unknown {
  for (let o: object | null = object; o !== null; o = Object.getPrototypeOf(o) as object | null) {
    for (const key of Object.getOwnPropertySymbols(o)) {
      if (key.description === description) return (o as Record<symbol, unknown>)[key];
    }
  }
  return undefined;
}
