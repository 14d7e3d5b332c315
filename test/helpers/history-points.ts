// Seeded history for the capacity tests: one-minute points with fixed host figures and a given request
// count, appended to a store minute by minute (a synthetic history whose answer is known).

import type { HistoryPoint } from '../../src/history/point.js';
import type { MemoryStore } from '../../src/stores/memory.js';

const MIN = 60_000;

/** A one-minute point at `t` with `requests`; every other figure fixed (CPU 30 %, memory 50 %, disk 40 %). */
export function flatPoint(t: number, requests: number): HistoryPoint {
  return {
    t,
    timestamp: new Date(t).toISOString(),
    samples: 12,
    cpu_avg_percent: 30,
    cpu_max_percent: 30,
    memory_avg_percent: 50,
    memory_max_percent: 50,
    disk_max_percent: 40,
    network_bytes_in_per_sec: 0,
    network_bytes_out_per_sec: 0,
    event_loop_p99_ms: 10,
    heap_used_mb: 100,
    db_response_time_ms: null,
    redis_response_time_ms: null,
    websocket_connections: 0,
    requests,
    errors_4xx: 0,
    errors_5xx: 0,
    latency_p50_ms: 10,
    latency_p95_ms: 20,
    latency_p99_ms: 30,
    latency_avg_ms: 12,
    latency_max_ms: 40,
    histogram: '',
  };
}

/** Appends a flatPoint a minute from `from` to before `to` for `instance`, with `perMinute(t)` requests. */
export async function seedMinutes(
  store: MemoryStore,
  instance: string,
  from: number,
  to: number,
  perMinute: (t: number) => number,
): Promise<void> {
  for (let t = from; t < to; t += MIN) await store.appendPoint(instance, flatPoint(t, perMinute(t)));
}
