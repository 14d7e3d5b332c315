// An application request on its way through the monitor, from admission to its end: one object the adapter keeps.

import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { bodyArriving } from './body-arrival.js';
import { clientsToTake } from './client-backlog.js';
import { clientsWait, cutByServer, cutOffStatus, FAILED_STATUS, wasEndedLate } from './cut-off.js';
import { isEventStream } from './exclusion.js';
import type { InFlightAges, InFlightEntry } from './in-flight.js';
import { type InFlightRouteReader, InFlightRoutes, type RouteInFlight } from './in-flight-routes.js';
import {
  ABORTED_STATUS,
  ANSWERED_BEFORE_STATUS,
  ANSWERED_CLOSE_COLUMN,
  BODY_CLOSE_COLUMN,
  QUICK_CLOSE_COLUMN,
} from './route-counters.js';

/**
 * What an adapter keeps of one request from its start to its end: its response, the framework's request (`request`,
 * for the route label), its start (performance.now()), and its place among the requests in flight. One allocation
 * per request, in place of two Map entries (in flight, excluded) and the properties the adapters set on the response
 * (issue 18). The adapters make it with what tells them its end (adapters/response-end.ts newTrackedTicket): the same
 * object.
 */
export interface RequestTicket<T = unknown> extends InFlightEntry {
  readonly res: ServerResponse;
  readonly request: T;
  readonly start: number;
  /** Its path is excluded (`excludeRoutes`): nothing is recorded, and it is not in flight. */
  excluded: boolean;
}

/** The monitor's parts a ticket goes through (monitor/parts.ts). */
export interface TicketParts {
  exclusion: {
    matches(
      req: IncomingMessage,
      route?: string,
      caseSensitive?: boolean,
      ticket?: { readonly request: unknown },
    ): boolean;
    readonly testsRoutes: boolean;
    isLongStream(res: ServerResponse, durationMs: number): boolean;
  };
  lifecycle: {
    admitEntry(
      req: IncomingMessage,
      res: ServerResponse,
      entry: InFlightEntry,
      socket?: IncomingMessage['socket'] | null,
    ): boolean;
    endedEntry(entry: InFlightEntry): void;
    learnFrom(req: IncomingMessage, socket?: IncomingMessage['socket'] | null): void;
    addServer(server: Server): void;
    readonly inFlightAges: InFlightAges;
    /** How long the client of a request started at `start` and closed `measuredMs` later is known to have waited. */
    closeWait(start: number, measuredMs: number): number;
  };
  requests: {
    record(method: string, route: string, status: number, durationMs: number): void;
    recordWaitedClose(method: string, route: string, column?: number): void;
    /** RequestStats.absorb(): requests counted without a duration (recordUnseen). */
    absorb?(method: string, route: string, classes: ArrayLike<number>, latency: null, window: boolean): void;
    readonly config: { readonly unansweredMinWaitMs: number; readonly abortedFailureMs: number };
  };
}

/**
 * The monitor's admitRequest() and recordRequest() for the adapters, with a ticket: the same decisions (excluded
 * paths, load shedding, event streams), without looking the request up at its end.
 */
/** One request in the 5xx class (status classes 1xx … 5xx), as RequestStats.absorb() takes them. */
const FAILED_CLASSES: readonly number[] = Object.freeze([0, 0, 0, 0, 1]);

export class TicketPath {
  /** The adapters' readers of the route each of their tickets has reached (routes/, at the time it is read). */
  private readonly routes = new InFlightRoutes();

  /** Whether begin() tests a route template given to it (`excludeRoutes` is set): RequestWay.testsRoutes. */
  readonly testsRoutes: boolean;

  constructor(private readonly parts: TicketParts) {
    this.testsRoutes = parts.exclusion.testsRoutes;
  }

  /** For an adapter, once when it is set up: how to read the route of its own requests in flight (in-flight-routes.ts). */
  readRoutes(reader: InFlightRouteReader): void {
    this.routes.add(reader);
  }

  /** Where routesInFlight() reads instead (set by a cluster's aggregator on its monitor: the workers' reports). */
  private source: (() => Map<string, RouteInFlight>) | null = null;

  /**
   * The requests in flight by method and route now (InFlightRoutes.read): a walk of them, for reads and a cluster
   * worker's reports only; `minMs`: those in flight at least that long, and those admitted at or before `keptUpTo`.
   * A cluster's monitor: the workers' merged.
   */
  routesInFlight(minMs = 0, keptUpTo = Number.NEGATIVE_INFINITY): Map<string, RouteInFlight> {
    if (this.source !== null) return this.source();
    return this.routes.read(this.parts.lifecycle.inFlightAges, minMs, keptUpTo);
  }

  /** Makes routesInFlight() read `source` (the aggregator's merge of its workers' reports). */
  readRoutesFrom(source: () => Map<string, RouteInFlight>): void {
    this.source = source;
  }

  /**
   * At the start: false when the request was shed (answered 503: the adapter stops); else it goes on. `socket` is
   * `req.socket` when the adapter has read it already (else it is read here); `route`: the matched route's template,
   * from an adapter that knows it at the start (only when testsRoutes), excluded as an excluded path is.
   */
  begin(
    req: IncomingMessage,
    ticket: RequestTicket,
    socket?: IncomingMessage['socket'] | null,
    route?: string,
    caseSensitive?: boolean,
  ): boolean {
    if (this.parts.exclusion.matches(req, route, caseSensitive, ticket)) {
      ticket.excluded = true;
      // Not counted, but served: its server and HTTP/2 session are drained on shutdown.
      this.parts.lifecycle.learnFrom(req, socket ?? req.socket);
      return true;
    }
    return this.parts.lifecycle.admitEntry(req, ticket.res, ticket, socket);
  }

  /**
   * An admin API request or a probe, answered by the adapter and never admitted: its server and HTTP/2 session are
   * drained on shutdown as an application request's are (Lifecycle.learnFrom).
   */
  adminRequest(req: IncomingMessage): void {
    this.parts.lifecycle.learnFrom(req);
  }

  /** The server an adapter knows before its first request (the Fastify plugin's): drained on shutdown. */
  serves(server: object): void {
    this.parts.lifecycle.addServer(server as Server);
  }

  /**
   * A 5xx the application answered before the middleware (adapters/unseen-requests.ts, outside review 39, RT39-4):
   * counted as a failed request of route `route` (`unseen`), in the 5xx class, with no duration (its start was never
   * seen, so its time is not known: left out of latency, as a cluster's lost requests are), unless its path is
   * excluded. Never admitted, so nothing ends in flight. Off the hot path (once per such response). Never throws.
   */
  recordUnseen(req: IncomingMessage, method: string, route: string): void {
    try {
      if (this.parts.exclusion.matches(req)) return;
      this.parts.requests.absorb?.(method, route, FAILED_CLASSES, null, true);
    } catch {
      // monitoring never breaks the request
    }
  }

  /** At the end (completed or cut off): ends its time in flight and records it, unless left out. Never throws. */
  end(ticket: RequestTicket, method: string, route: string, status: number, durationMs: number): void {
    if (ticket.excluded) return;
    const parts = this.parts;
    parts.lifecycle.endedEntry(ticket);
    // An event stream open STREAM_CHECK_MS or longer ends in flight; nothing else is recorded (exclusion.ts).
    if (parts.exclusion.isLongStream(ticket.res, durationMs)) return;
    // A 499 is settled apart (endCutOff): its destructuring is most of this method's bytecode, and inlined here it
    // spent V8's inlining budget of the adapters' end, leaving endedEntry() out of line on every request (issue 18).
    if (status === ABORTED_STATUS) this.endCutOff(ticket, method, route, durationMs);
    // Answered before the adapter saw it (RT46-7): out of flight, recorded by the unseen path only.
    else if (status !== ANSWERED_BEFORE_STATUS) parts.requests.record(method, route, status, durationMs);
  }

  /** end() of a request cut off (499): settled (settleCutOff), then recorded as a close or as a request. */
  private endCutOff(ticket: RequestTicket, method: string, route: string, durationMs: number): void {
    const requests = this.parts.requests;
    let [status, ms, column] = settleCutOff(ticket.res, durationMs);
    if (column === 0 && status === ABORTED_STATUS)
      column = this.streamColumn(ticket.res, ms) || this.quickColumn(ticket, ms);
    if (column !== 0) requests.recordWaitedClose(method, route, column);
    else requests.record(method, route, status, ms);
  }

  /**
   * ANSWERED_CLOSE_COLUMN for an early close (under `abortedFailureMs`) of an event stream whose head was sent: the
   * server had answered (200, its events follow), so its client's close is no sign of an outage and is not toward
   * `unanswered` (outside review 46, RT46-5: 25 streams their clients closed within 1 s paged beside one answered
   * request once closes counted against the judged requests). Else 0. A stream open 1 s or more is left out before.
   */
  private streamColumn(res: ServerResponse, durationMs: number): number {
    if (!(durationMs < this.parts.requests.config.abortedFailureMs) || res.headersSent !== true) return 0;
    return isEventStream(res) ? ANSWERED_CLOSE_COLUMN : 0;
  }

  /**
   * For an unanswered close `durationMs` after its request's start (the server's notice): QUICK_CLOSE_COLUMN when
   * that measured wait alone would count it toward `unanswered` (at least `unansweredMinWaitMs`, less than
   * `abortedFailureMs`) but what is known of its client's wait (Lifecycle.closeWait: the event loop's idle time since
   * the start, or a poll it made; lifecycle/loop-stamps.ts) is under the floor: the loop was busy, so the client may
   * have closed at once (outside review 10, F5). Else 0: the close is recorded by its duration, as before. On the
   * close path only; a close at or past `abortedFailureMs` stays a failed request, its duration the server's.
   */
  private quickColumn(ticket: RequestTicket, durationMs: number): number {
    const { unansweredMinWaitMs: floor, abortedFailureMs } = this.parts.requests.config;
    if (!(durationMs >= floor && durationMs < abortedFailureMs)) return 0;
    return this.parts.lifecycle.closeWait(ticket.start, durationMs) < floor ? QUICK_CLOSE_COLUMN : 0;
  }
}

/**
 * For an adapter's response that ended with status 499: the status and duration to record (cut-off.ts). A close
 * while the server waited for its client (clientsWait: the request's body still arriving, or the response already
 * ended by the application, or still written by it and blocked on its client, and not taken by its client) is
 * recorded with duration 0, so an early close (not a failure, not a request, no latency) whatever its length, unless
 * `abortedFailureMs` is 0 (every aborted request failed). An application failure (cutOffStatus: 500) is judged first,
 * so it stays a failed request. Third: the counter column of an early close not toward the `unanswered` verdict, or 0:
 * ANSWERED_CLOSE_COLUMN when the application had ended the response or was blocked on its client (clientsToTake:
 * client-backlog.ts), unless it ended it only after its connection had failed (wasEndedLate: the client left
 * first, outside review 10, F4), BODY_CLOSE_COLUMN when the request's body was still arriving (bodyArriving: the
 * server waited for its client, outside review 7, F2), ended late or not (outside review rtI, R2d) (RequestStats.recordWaitedClose; a recordRequest() caller says
 * an answered close with `answered: true` on its 499). A connection the server closed itself (cutByServer: its
 * socket timeout, the application's `req.destroy()` or `req.socket.destroy()`) while its client waited on it, or after
 * which the application ended its response, is a failed request, FAILED_STATUS, with its duration, as `res.destroy()`
 * is (outside review 16, F4): judged at the close only, after the client's waits above (a server's idle timeout on a
 * client that does not send its body or take its response reacts to that client), so nothing is read per request.
 */
export function settleCutOff(res: ServerResponse, durationMs: number): [number, number, number] {
  const status = cutOffStatus(res);
  if (status !== ABORTED_STATUS) return [status, durationMs, 0];
  // Ended after its connection had failed (the write in end() found the client's reset, or the server had cut it):
  // a body close still when that body had not all arrived (an error handler answering JSON to raw-body's 'request
  // aborted' after the client left: outside review rtI, R2d, 25 half-sent POSTs paged an idle Express service).
  if (wasEndedLate(res)) {
    if (bodyArriving(res.req)) return [status, 0, BODY_CLOSE_COLUMN];
    return [cutByServer(res) ? FAILED_STATUS : status, durationMs, 0];
  }
  if (clientsToTake(res)) return [status, 0, ANSWERED_CLOSE_COLUMN];
  if (clientsWait(res)) return [status, 0, BODY_CLOSE_COLUMN]; // not to take: its body was arriving
  // The server closed the connection itself while its client waited for it: a failed request (outside review 16, F4).
  return [cutByServer(res) ? FAILED_STATUS : status, durationMs, 0];
}
