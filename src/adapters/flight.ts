// A response in flight as response-end.ts tracks it (its flight), and the ticket that is also a request's flight.

import type { ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { RequestTicket } from '../requests/request-ticket.js';
import type { BlockedFlight } from './client-blocked.js';

/** Receives a tracked response's end: `status` is its own, or 499 when it was cut off (closedStatus). */
export type FlightEnd<F> = (flight: F, status: number) => void;

/** A response in flight: what its end needs, read once at its start (slow reads), and its blocked time. */
export interface Flight extends BlockedFlight {
  readonly res: ServerResponse;
  /**
   * The connection (`req.socket`); null for a request without one, and set to null for an HTTP/2 stream (then the
   * response's 'close' alone tells).
   */
  socket: Socket | null;
  /** Called once, at its end, with this flight (a method signature: each flight's own type, checked bivariantly). */
  onEnd(flight: this, status: number): void;
  /** The next response in flight on the same connection (pipelined requests), newest first. */
  nextFlight: Flight | null;
  /** performance.now() when the application's end() of its response returned (timeEnds); NaN before. */
  endedAt: number;
  /**
   * Whether, when that end() returned, the whole response was in the operating system's hands (handedOver): then it
   * completed with its own status, whoever closes the connection afterwards (outside review 7, F5).
   */
  handedOver: boolean;
  /** Its head's status, told by Node's writeHead() as it wrote it (stampHead, head-status.ts); 0: not told. */
  headStatus: number;
}

/** A request's ticket (request-ticket.ts) that is also its flight: one object per request, not two (issue 18). */
export interface TrackedTicket<T> extends RequestTicket<T>, Flight {}

/**
 * A new ticket and flight, not tracked yet (trackFlight, once admitted). An object literal: cheaper to make than a
 * class instance on this path (see InFlightEntry); every adapter makes it here, so it has one hidden class.
 */
export function newTrackedTicket<T>(
  res: ServerResponse,
  request: T,
  start: number,
  socket: Socket | null,
  onEnd: FlightEnd<TrackedTicket<T>>,
): TrackedTicket<T> {
  return {
    prev: null,
    next: null,
    t: Number.NaN,
    res,
    request,
    start,
    excluded: false,
    socket,
    onEnd,
    nextFlight: null,
    endedAt: Number.NaN,
    handedOver: false,
    headStatus: 0,
    blocked: null,
  };
}
