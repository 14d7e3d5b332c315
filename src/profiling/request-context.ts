// Which request (or job) the current code runs for, through AsyncLocalStorage: lets a database query
// be attributed to the route that issued it. Off until a database instrumentation turns it on, so
// applications that time no queries pay nothing for it.

import { AsyncLocalStorage } from 'node:async_hooks';

/** What the adapters store per request: the route template, resolved only when a query asks for it. */
export interface RequestScope {
  route(): string;
}

const storage = new AsyncLocalStorage<RequestScope>();
let enabled = false;

/** Turns request scopes on (instrumentPg, instrumentMysql and instrumentRedis call it). */
export function enableRequestContext(): void {
  enabled = true;
}

/** Whether the adapters should open a scope per request. */
export function requestContextEnabled(): boolean {
  return enabled;
}

/** Runs `fn` inside `scope` (the adapters' request recording and `monitor.job`). */
export function runInScope<T>(scope: RequestScope, fn: () => T): T {
  return storage.run(scope, fn);
}

/** The current scope, or undefined outside a request or job. */
export function currentScope(): RequestScope | undefined {
  return enabled ? storage.getStore() : undefined;
}

const BOUND: unique symbol = Symbol('sysvitals.boundToScope');

/**
 * Binds a driver callback to the caller's scope (or to none, outside a request). A pool hands a freed
 * connection to the next waiter from the async context of the request that released it: without this, the
 * waiter's query would run, and be attributed, in that other request. Returns `fn` itself when scopes are
 * off or `fn` is bound already (mysql2 re-queues a waiter through getConnection again).
 */
export function bindToScope<F extends (...args: never[]) => unknown>(fn: F): F {
  if (!enabled || typeof fn !== 'function' || (fn as unknown as Record<symbol, unknown>)[BOUND]) return fn;
  const scope = storage.getStore();
  const original = fn as unknown as (...args: unknown[]) => unknown;
  const bound = function scoped(this: unknown, ...args: unknown[]): unknown {
    // An undefined store is a valid one: outside any request, getStore() answers undefined.
    return storage.run(scope as RequestScope, () => original.apply(this, args));
  };
  (bound as unknown as Record<symbol, unknown>)[BOUND] = true;
  return bound as unknown as F;
}

/** The route (or `job:<name>`) of a scope, undefined without one; never throws. */
export function routeOfScope(scope: RequestScope | undefined): string | undefined {
  if (scope === undefined) return undefined;
  try {
    return scope.route();
  } catch {
    return undefined;
  }
}

/** A scope whose route is known up front (jobs). */
export class FixedScope implements RequestScope {
  private readonly name: string;

  constructor(name: string) {
    this.name = name;
  }

  route(): string {
    return this.name;
  }
}
