// Requests left out of the request figures: paths excluded by the `excludeRoutes` option, and server-sent event streams.

import type { IncomingMessage, ServerResponse } from 'node:http';
import { invalidOption } from '../errors.js';

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
 * at the start and made of literals, so a request's test reads its URL once and allocates nothing. A RegExp entry
 * is tested as given (its own flags: add `i` to match in any case).
 */
export function parseExcludeRoutes(option: unknown): ((url: string) => boolean) | undefined {
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
  const byPath = pathsPattern(paths);
  if (patterns.length === 0) return (url) => byPath?.test(url) === true;
  return (url) => {
    if (byPath?.test(url) === true) return true;
    const q = url.indexOf('?');
    const path = q === -1 ? url : url.slice(0, q);
    for (const re of patterns) if (re.test(path)) return true;
    return false;
  };
}

/**
 * The paths as one RegExp on a URL: a path, in any letter case, followed by `/`, the query or the end (`'/'`
 * matches every path). Undefined without paths.
 */
function pathsPattern(paths: readonly string[]): RegExp | undefined {
  if (paths.length === 0) return undefined;
  if (paths.includes('/')) return /^\//;
  const escaped = paths.map((p) => p.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));
  return new RegExp(`^(?:${escaped.join('|')})(?:[/?]|$)`, 'i');
}

/** What the monitor's admitRequest and recordRequest ask before counting a request. */
export class RequestExclusion {
  /**
   * The responses of excluded requests until they end: kept here rather than as a mark on the response, so
   * that without `excludeRoutes` a request's end reads nothing of it (issue 18: on Express every response has
   * a hidden class of its own, where a missing property is looked up through the whole prototype chain).
   */
  private readonly marked = new WeakSet<ServerResponse>();

  constructor(private readonly excluded: ((url: string) => boolean) | undefined) {}

  /** At admission: true when the request's path is excluded (it is marked, and neither counted nor in flight). */
  excludes(req: IncomingMessage, res: ServerResponse): boolean {
    if (!this.matches(req)) return false;
    this.marked.add(res);
    return true;
  }

  /** Whether the request's path is excluded, without marking it (the caller keeps that: requests/request-ticket.ts). */
  matches(req: IncomingMessage): boolean {
    if (this.excluded === undefined) return false;
    const r = req as IncomingMessage & { originalUrl?: string };
    return this.excluded(r.originalUrl ?? r.url ?? '');
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

  /** Ends the request's time in flight and records it, unless it is left out (see left()). Never throws. */
  record(
    r: { method: string; route: string; status: number; durationMs: number },
    res: ServerResponse | undefined,
    lifecycle: { ended(res?: object): void },
    requests: { record(method: string, route: string, status: number, durationMs: number): void },
  ): void {
    const left = res === undefined ? null : this.left(res, r.durationMs);
    if (left !== 'excluded') lifecycle.ended(res);
    if (left === null) requests.record(r.method, r.route, r.status, r.durationMs);
  }
}
