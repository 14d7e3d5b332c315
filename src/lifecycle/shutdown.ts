// Graceful shutdown: readiness fails at once, the server keeps accepting for a short delay (so the load
// balancer notices), then stops accepting; in-flight requests get `drainMs` to finish; keep-alive
// connections are closed as their responses end (HTTP/2 sessions get GOAWAY); then the monitor flushes history and queued alerts.

import type { Server } from 'node:http';
import type { Logger } from '../types.js';
import type { Lifecycle } from './lifecycle.js';
import type { ShutdownConfig } from './options.js';

/** What one shutdown did, for logs and tests. */
export interface ShutdownReport {
  /** Requests still in flight when `drainMs` ran out (their connections were closed), the admin API's included. */
  dropped: number;
  /** Milliseconds from the start of the shutdown to the end of the drain. */
  drainedInMs: number;
}

export interface DrainDeps {
  lifecycle: Lifecycle;
  servers: readonly Server[];
  config: ShutdownConfig;
  logger: Logger;
  /** Closes the monitor (flushes the last bucket, delivers queued alerts). */
  closeMonitor: () => Promise<void>;
  /** @defaultValue real timers */
  sleep?: (ms: number) => Promise<void>;
  now?: () => number;
}

const POLL_MS = 25;

function realSleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Runs the whole sequence; never rejects. */
export async function drainAndClose(deps: DrainDeps): Promise<ShutdownReport> {
  const sleep = deps.sleep ?? realSleep;
  const now = deps.now ?? Date.now;
  const began = now();
  const { lifecycle, config } = deps;
  lifecycle.beginDrain();
  const servers = new Set<Server>([...deps.servers, ...lifecycle.knownServers]);
  if (config.delayMs > 0) await sleep(config.delayMs);

  // Stop accepting. Node closes idle keep-alive connections on close(); busy ones end after their
  // response, which carries `Connection: close` from now on.
  const closed = [...servers].map(
    (server) =>
      new Promise<void>((resolve) => {
        if (!server.listening) return resolve();
        server.close(() => resolve());
        server.closeIdleConnections?.();
      }),
  );
  // HTTP/2: server.close() leaves the open sessions; GOAWAY lets their streams finish and closes them.
  lifecycle.sessions.closeAll();
  // The admin API's live streams never end by themselves: ended now (their connections close after the end); its
  // requests in flight get drainMs and are cut after it, as the application's are (outside review 32, RT32-2).
  const admin = lifecycle.adminInFlight;
  admin.endStreams();
  const deadline = now() + config.drainMs;
  while ((lifecycle.inFlight > 0 || admin.size > 0) && now() < deadline) {
    for (const server of servers) server.closeIdleConnections?.();
    await sleep(Math.min(POLL_MS, Math.max(1, deadline - now())));
  }
  const dropped = lifecycle.inFlight + admin.cut();
  if (dropped > 0) {
    deps.logger.warn(
      { dropped, drainMs: config.drainMs },
      `sysvitals: ${dropped} request(s) still in flight after drainMs (${config.drainMs} ms); closing their connections`,
    );
  }
  for (const server of servers) {
    server.closeIdleConnections?.();
    if (dropped > 0) server.closeAllConnections?.();
  }
  if (dropped > 0) lifecycle.sessions.destroyAll();
  // Every connection is gone now: the servers' close callbacks fire.
  await Promise.race([Promise.all(closed), sleep(1000)]);
  const drainedInMs = now() - began;
  try {
    await deps.closeMonitor();
  } catch (err) {
    deps.logger.error({ err: String(err) }, 'sysvitals: closing the monitor failed during shutdown');
  }
  return { dropped, drainedInMs };
}
