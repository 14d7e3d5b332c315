// Requests left out of the request figures: paths excluded by the `excludeRoutes` option, and server-sent event streams.

import type { IncomingMessage, ServerResponse } from 'node:http';
import { invalidOption } from '../errors.js';
import { type ExcludedRouteTest, excludedRouteTest } from './exclusion-path.js';
import { ABORTED_STATUS } from './route-counters.js';

/**
 * An event stream lasting at least this long is left out when it ends: the check reads a header, so ordinary
 * requests (faster) skip it, and a stream closed sooner counts as the short request it was.
 */
export const STREAM_CHECK_MS = 1_000;

/** Whether the response is a server-sent event stream (Content-Type text/event-stream, set or already sent). */
export function isEventStream(res: object): boolean {
  const r = res as Partial<ServerResponse> & { _header?: unknown };
  if (typeof r.getHeader !== 'function') return false;
  const type = r.getHeader('content-type');
  if (typeof type === 'string') return /^\s*text\/event-stream/i.test(type);
  // Headers given to writeHead() alone are not kept for getHeader(): read the head Node sent.
  return typeof r._header === 'string' && /\r\ncontent-type:[ \t]*text\/event-stream/i.test(r._header);
}

/** One `excludeRoutes` entry: a path (that path and everything under it) or a RegExp tested on the path. */
export type ExcludedRoute = string | RegExp;

/**
 * The `excludeRoutes` option as a test on a request's URL (its path: the query string is not matched), or
 * undefined when nothing is excluded. Throws ERR_SYSVITALS_INVALID_OPTION on anything else than paths and RegExps.
 * Paths match in any letter case, as Express (by default) and @koa/router route (outside review 1, F9: `/HANG/9`
 * reached an excluded `/hang/:ms` and was counted): they become one case-insensitive RegExp, built here, anchored
 * at the start and made of literals. The URL is matched as the routers read it (exclusion-path.ts): not decoded,
 * so a spelling they route to another route is monitored (outside review 33, RT33-7); an absolute-form target by
 * its path. A RegExp entry is tested as given (its own flags: add `i` to match
 * in any case). `route` tests a route template by the path entries.
 */
export function parseExcludeRoutes(option: unknown): ExcludedRouteTest | undefined {
  if (option === undefined) return undefined;
  if (!Array.isArray(option))
    throw invalidOption('sysvitals: `excludeRoutes` must be an array of paths and RegExps.');
  const paths: string[] = [];
  const patterns: RegExp[] = [];
  for (const e of option as unknown[]) {
    if (e instanceof RegExp) patterns.push(new RegExp(e.source, e.flags.replace(/[gy]/g, '')));
    else if (typeof e === 'string' && e.startsWith('/')) {
      paths.push(e.length > 1 && e.endsWith('/') ? e.slice(0, -1) : e);
    } else {
      throw invalidOption(
        `sysvitals: \`excludeRoutes\` entries are paths starting with "/" or RegExps (got ${String(e)}).`,
      );
    }
  }
  if (paths.length + patterns.length === 0) return undefined;
  return excludedRouteTest(paths, patterns);
}

/** A test of a request's URL, and optionally of a route template (parseExcludeRoutes' ExcludedRouteTest). */
export type ExcludedUrlTest = ((
  url: string,
  caseSensitive?: boolean,
  req?: object,
  ticket?: { readonly request: unknown },
) => boolean) & {
  route?(template: string): boolean;
};

/** What the monitor's admitRequest and recordRequest ask before counting a request. */
export class RequestExclusion {
  /**
   * The responses of excluded requests until they end: kept here rather than as a mark on the response, so
   * that without `excludeRoutes` a request's end reads nothing of it (issue 18: on Express every response has
   * a hidden class of its own, where a missing property is looked up through the whole prototype chain).
   */
  private readonly marked = new WeakSet<ServerResponse>();

  /** Whether matches() tests a route template given to it (`excludeRoutes` has path entries or RegExps). */
  readonly testsRoutes: boolean;

  constructor(private readonly excluded: ExcludedUrlTest | undefined) {
    this.testsRoutes = typeof excluded?.route === 'function';
  }

  /** At admission: true when the request's path is excluded (it is marked, and neither counted nor in flight). */
  excludes(req: IncomingMessage, res: ServerResponse): boolean {
    if (!this.matches(req)) return false;
    this.marked.add(res);
    return true;
  }

  /**
   * Whether the request's path is excluded, without marking it (the caller keeps that: requests/request-ticket.ts);
   * `route`: the template of the route the framework matched, when known at the start (Fastify's), excluded when
   * it is an excluded path or under one, whatever the URL's spelling; the URL is then matched in its letter case,
   * as Fastify's router matches it (outside review 33, RT33-7: `/POLL/1` is routed to `/:user/:repo` there), as
   * it is with `caseSensitive` (an Express app's `case sensitive routing`). `ticket`: the request's, whose `request`
   * is the framework's own request object (Koa's ctx), for the routers to be asked where another letter case goes
   * (read only then: an ordinary request pays nothing for it).
   */
  matches(
    req: IncomingMessage,
    route?: string,
    caseSensitive = route !== undefined,
    ticket?: { readonly request: unknown },
  ): boolean {
    const excluded = this.excluded;
    if (excluded === undefined) return false;
    const r = req as IncomingMessage & { originalUrl?: string };
    if (excluded(r.originalUrl ?? r.url ?? '', caseSensitive, req, ticket)) return true;
    return route !== undefined && excluded.route?.(route) === true;
  }

  /**
   * At the end: 'excluded' for a request admitted as excluded (record nothing), 'stream' for an event stream
   * open STREAM_CHECK_MS or longer (it ends in flight; nothing else is recorded), else null (record it).
   */
  left(res: ServerResponse, durationMs: number): 'excluded' | 'stream' | null {
    if (this.excluded !== undefined && this.marked.delete(res)) return 'excluded';
    return this.isLongStream(res, durationMs) ? 'stream' : null;
  }

  /** An event stream open STREAM_CHECK_MS or longer: it ends in flight, and nothing else is recorded. */
  isLongStream(res: ServerResponse, durationMs: number): boolean {
    return durationMs >= STREAM_CHECK_MS && isEventStream(res);
  }

  /**
   * Ends the request's time in flight and records it, unless it is left out (see left()): a 499 marked `answered`
   * as the adapters record an answered close (request-ticket.ts), `answered` read only then. Never throws.
   */
  record(
    r: { method: string; route: string; status: number; durationMs: number; answered?: boolean },
    res: ServerResponse | undefined,
    lifecycle: { ended(res?: object): void },
    requests: {
      record(method: string, route: string, status: number, durationMs: number): void;
      recordWaitedClose(method: string, route: string): void;
      addDropped(n: number): void;
    },
  ): void {
    // Not a record (null from a caller's bug: outside review 34, RT34-3): its request ends, nothing is recorded.
    if (typeof r !== 'object' || r === null) {
      lifecycle.ended(res);
      return;
    }
    // Each field read once, here: a getter or Proxy trap that throws (outside review 36, RT36-4) drops the record.
    let method: string;
    let route: string;
    let status: number;
    let durationMs: number;
    let waited: boolean;
    try {
      method = r.method;
      route = r.route;
      status = r.status;
      durationMs = r.durationMs;
      waited = status === ABORTED_STATUS && r.answered === true;
    } catch {
      this.unreadable(res, lifecycle, requests);
      return;
    }
    const left = res === undefined ? null : this.left(res, durationMs);
    if (left !== 'excluded') lifecycle.ended(res);
    if (left !== null) return;
    if (waited) requests.recordWaitedClose(method, route);
    else requests.record(method, route, status, durationMs);
  }

  /** A record whose fields could not be read: its request ends (unless excluded), it counts as dropped. */
  private unreadable(
    res: ServerResponse | undefined,
    lifecycle: { ended(res?: object): void },
    requests: { addDropped(n: number): void },
  ): void {
    if (res === undefined || this.left(res, 0) !== 'excluded') lifecycle.ended(res);
    requests.addDropped(1);
  }
}
