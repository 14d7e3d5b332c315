// The routes an adapter records, in order, read off RequestStats.record; and a fetch that reads its body.

import type { SystemMonitor } from '../../src/monitor.js';

/** Every route the monitor's RequestStats.record is called with from now on, in order. */
export function recordedRoutes(monitor: SystemMonitor): string[] {
  const raw: string[] = [];
  const stats = monitor.requests;
  const record = stats.record.bind(stats);
  stats.record = (method, route, status, durationMs) => {
    raw.push(route);
    record(method, route, status, durationMs);
  };
  return raw;
}

/** GET `url` with `headers`, its body read; its status. */
export async function statusOf(url: string, headers: Record<string, string> = {}): Promise<number> {
  const res = await fetch(url, { headers });
  await res.arrayBuffer();
  return res.status;
}
