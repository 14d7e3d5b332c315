// A closing worker's last report, bounded and acknowledged: it waits for its requests in flight to end, sends
// what it holds, and waits until the aggregator says the report is in the ledger; if the aggregator closes
// meanwhile, it joins the successor (its hello carries its totals since start) and asks again; after
// closeTimeoutMs it gives up and logs what was not acknowledged.

import type { Logger } from '../types.js';
import type { Peer } from './peer.js';
import type { ReportWire } from './report.js';

/** A process's requests in flight, and ended since start. */
export interface Requests {
  inFlight: number;
  ended: number;
}

/** What the farewell drives of the agent's connection. */
export interface FarewellLink {
  /** This process's requests (a request that ends after the last report was taken needs another). */
  requests(): Requests;
  /** The welcomed connection to the aggregator, or null (none, or not welcomed yet). */
  welcomed(): Peer | null;
  /** A connection is open (welcomed or not). */
  connected(): boolean;
  /** Connects to the aggregator's socket (never elects: a closing worker does not lead). */
  join(): void;
  /** Leaves a connection whose acknowledgement failed (the next hello carries totals since start). */
  leave(peer: Peer): void;
  /** Whether that aggregator acknowledges last reports (its welcome says so; older ones do not). */
  acknowledges(): boolean;
  /** Sends the last report (`requests`: how many it carries) and `acked`, its acknowledgement. */
  bye(peer: Peer, timeoutMs: number): { requests: number; acked: Promise<unknown> };
  /** An older aggregator: the last report sent without acknowledgement. */
  sendLast(peer: Peer): void;
}

const POLL_MS = 25;

const sleep = (ms: number) =>
  new Promise<void>((resolve) => {
    setTimeout(resolve, ms).unref();
  });

/** The requests (by status class) a frame carries, its parts cut where windows turned included. */
export function requestsIn(report: ReportWire, cut: ReadonlyArray<{ report: ReportWire }> = []): number {
  let n = 0;
  for (const w of [report, ...cut.map((c) => c.report)]) for (const r of w.r) for (const k of r.k) n += k;
  return n;
}

/**
 * Waits until no request is in flight, or until `deadline`; returns how many still are. One poll first: a
 * connection accepted just before the server closed has its request admitted on a next turn of the loop.
 */
export async function settleInFlight(requests: () => Requests, now: () => number, deadline: number) {
  await sleep(Math.min(POLL_MS, Math.max(0, deadline - now())));
  while (requests().inFlight > 0 && now() < deadline)
    await sleep(Math.min(POLL_MS, Math.max(1, deadline - now())));
  return requests().inFlight;
}

/**
 * Sends the last report and waits for its acknowledgement until `deadline`; logs (warn) when it gives up.
 * Resolves true when acknowledged (or sent to an aggregator that acknowledges nothing).
 */
export async function farewell(
  link: FarewellLink,
  now: () => number,
  deadline: number,
  log: { logger: Logger; worker: string; closeTimeoutMs: number },
): Promise<boolean> {
  let unacknowledged: number | null = null;
  let attempts = 0;
  let acked = false;
  while (now() < deadline) {
    const peer = link.welcomed();
    if (peer !== null) {
      if (!link.acknowledges()) {
        link.sendLast(peer);
        return true;
      }
      attempts++;
      const ended = link.requests().ended;
      const bye = link.bye(peer, Math.max(1, deadline - now()));
      // The first one is what it held when it closed; a later one (to a successor) what came since.
      unacknowledged = (unacknowledged ?? 0) + bye.requests;
      acked = false;
      try {
        await bye.acked;
        [acked, unacknowledged] = [true, 0];
        // A request in flight when it was taken, or one that came and ended since: one more, with them.
        const after = link.requests();
        if (after.inFlight === 0 && after.ended === ended) return true;
        await settleInFlight(link.requests, now, deadline);
      } catch {
        // Not acknowledged (the aggregator closed, or its ledger was not written): the successor gets
        // this worker's totals since start in its hello, and only what it has not counted is added.
        link.leave(peer);
      }
    } else if (!link.connected()) {
      link.join();
    }
    await sleep(POLL_MS);
  }
  const inFlight = link.requests().inFlight;
  if (acked) {
    log.logger.warn(
      { worker: log.worker, closeTimeoutMs: log.closeTimeoutMs, requestsInFlight: inFlight },
      `sysvitals: cluster worker closing: ${inFlight} request(s) still in flight after closeTimeoutMs (${log.closeTimeoutMs} ms) are not counted in the cluster's totals`,
    );
    return true;
  }
  log.logger.warn(
    {
      worker: log.worker,
      closeTimeoutMs: log.closeTimeoutMs,
      attempts,
      requestsInFlight: inFlight,
      requestsUnacknowledged: unacknowledged,
    },
    `sysvitals: cluster worker closing: its last report was not acknowledged within closeTimeoutMs (${log.closeTimeoutMs} ms); ${unacknowledged === null ? 'no aggregator was reachable, and what it recorded since its previous report' : `its ${unacknowledged} request(s) in it`} may be missing from the cluster's totals`,
  );
  return false;
}

/** Ends the connection gracefully (what was sent is flushed first), at most 500 ms, then closes it. */
export async function endConnection(peer: Peer | null): Promise<void> {
  if (peer && !peer.closed) {
    await new Promise<void>((resolve) => {
      peer.socket.end(resolve);
      setTimeout(resolve, 500).unref();
    });
  }
  peer?.close();
}
