// routes/' reading of the adapters' requests in flight: the route each has reached, from the ticket it keeps.

import type { InFlightRouteReader } from '../requests/in-flight-routes.js';
import type { FlightEnd, TrackedTicket } from './response-end.js';

/**
 * routes/' reader of the route an adapter's requests in flight have reached (requests/in-flight-routes.ts): a ticket
 * is the adapter's when its end is `onEnd`, and `read` names its method and route (null: not routed yet) from the
 * framework's request it holds, as its end will. Made once per adapter: nothing is added to a ticket or a request.
 */
export function flightRouteReader<T>(
  onEnd: FlightEnd<TrackedTicket<T>>,
  read: (request: T) => readonly [method: string, route: string | null],
): InFlightRouteReader {
  return (entry) => {
    const ticket = entry as Partial<TrackedTicket<T>>;
    return ticket.onEnd === onEnd ? read(ticket.request as T) : undefined;
  };
}
