// What the three adapters share: the options split between the core monitor and the admin API, the
// route name for requests no route matched, and the narrow monitor interface an adapter needs.

import type { Server } from 'node:http';
import { ADMIN_API_OPTION_KEYS, type AdminApi, type AdminApiOptions, createAdminApi } from '../http/api.js';
import type { AdminSource } from '../http/route.js';
import { trackWebSockets } from '../http/track-websockets.js';
import { attachWebSocket, type WebSocketAttachment, type WebSocketOptions } from '../http/websocket.js';
import {
  MONITOR_OPTION_KEYS,
  type MonitorOptions,
  type RequestRecord,
  type SystemMonitor,
} from '../monitor.js';
import { rejectUnknownOptions } from '../option-keys.js';

/**
 * Route recorded for a response no route template matched (404s, static files, middleware answers),
 * so that unique URLs never become routes. Real templates start with `/`, so this cannot clash.
 */
export const UNMATCHED_ROUTE = 'unmatched';

/** What an adapter needs from the monitor: record requests, and serve the admin API. */
export interface AdapterSource extends AdminSource {
  recordRequest(r: RequestRecord): void;
}

/** The core monitor's options plus the admin API's (typed with the framework's request for `authorize`). */
export type AdapterMonitorOptions<R> = MonitorOptions & AdminApiOptions<R>;

const ADAPTER_OPTION_KEYS: readonly string[] = [...MONITOR_OPTION_KEYS, ...ADMIN_API_OPTION_KEYS];

/**
 * Separates the admin API's options from the monitor's. An unknown name is refused here, against both
 * lists, so that `adminTokn` gets "Did you mean `adminToken`?".
 */
export function splitOptions<R>(options: AdapterMonitorOptions<R>): [AdminApiOptions<R>, MonitorOptions] {
  if (options !== null && typeof options === 'object') {
    rejectUnknownOptions(options, ADAPTER_OPTION_KEYS, 'sysvitals: createMonitor');
  }
  const admin: Record<string, unknown> = {};
  const core: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(options ?? {})) {
    if ((ADMIN_API_OPTION_KEYS as readonly string[]).includes(key)) admin[key] = value;
    else core[key] = value;
  }
  return [admin as AdminApiOptions<R>, core as MonitorOptions];
}

/** Creates the admin API for a fresh monitor; a bad admin option closes the monitor before it throws. */
export function mountAdminApi<R>(monitor: SystemMonitor, options: AdminApiOptions<R>): AdminApi<R> {
  try {
    return createAdminApi<R>(monitor, options);
  } catch (err) {
    void monitor.close();
    throw err;
  }
}

/** Live push and connection counting, which every adapter's monitor offers. */
export interface LiveMethods {
  /**
   * Serves the `metrics`, `alert` and `health` events over WebSocket on `<basePath>/ws` (or `path`), with the
   * admin API's auth; other upgrade paths stay the application's. Needs the optional peer `ws`.
   */
  attachWebSocket(server: Server, options?: Omit<WebSocketOptions, 'adminApi'>): WebSocketAttachment;
  /** Counts the connections of a `ws` server (or socket.io, or any emitter) in `websocket.active_connections`. Returns untrack(). */
  trackWebSockets(wss: Parameters<typeof trackWebSockets>[1]): () => void;
}

export function liveMethods<R>(monitor: SystemMonitor, adminApi: AdminApi<R>): LiveMethods {
  return {
    attachWebSocket: (server, options) =>
      attachWebSocket(monitor, server, { ...options, adminApi: adminApi as AdminApi<never> }),
    trackWebSockets: (wss) => trackWebSockets(monitor, wss),
  };
}
