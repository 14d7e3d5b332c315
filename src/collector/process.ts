// The Node process itself: event-loop delay, heap, RSS, uptime. The delay monitor samples on a coarse
// timer (20 ms by default) because a fine one is what makes event-loop monitors cost up to 10 % of a
// core (prometheus/client_js #523); delays shorter than the resolution are not what anyone alerts on.

import { type IntervalHistogram, monitorEventLoopDelay } from 'node:perf_hooks';
import { round } from '../alerts/status.js';
import type { ProcessMetrics } from '../types.js';

const NS_PER_MS = 1e6;
const BYTES_PER_MB = 1024 * 1024;

export class ProcessCollector {
  private readonly delay: IntervalHistogram;
  private lastDelay = { p50: 0, p99: 0, max: 0 };

  constructor(private readonly resolutionMs: number) {
    this.delay = monitorEventLoopDelay({ resolution: resolutionMs });
    this.delay.enable(); // its timer is unref'd by Node: it never keeps the process alive
  }

  collect(): ProcessMetrics {
    const h = this.delay;
    if (h.count > 0) {
      // The histogram records the time between timer ticks, resolution included: subtract it.
      const delay = (ns: number) => round(Math.max(0, ns / NS_PER_MS - this.resolutionMs), 2);
      this.lastDelay = { p50: delay(h.percentile(50)), p99: delay(h.percentile(99)), max: delay(h.max) };
      h.reset();
    }
    const mem = process.memoryUsage();
    return {
      pid: process.pid,
      event_loop_delay_p50_ms: this.lastDelay.p50,
      event_loop_delay_p99_ms: this.lastDelay.p99,
      event_loop_delay_max_ms: this.lastDelay.max,
      heap_used_mb: round(mem.heapUsed / BYTES_PER_MB),
      heap_total_mb: round(mem.heapTotal / BYTES_PER_MB),
      rss_mb: round(mem.rss / BYTES_PER_MB),
      uptime_seconds: Math.round(process.uptime()),
      status: 'healthy',
    };
  }

  close(): void {
    this.delay.disable();
  }
}

export function failedProcess(error: string): ProcessMetrics {
  return {
    pid: process.pid,
    event_loop_delay_p50_ms: 0,
    event_loop_delay_p99_ms: 0,
    event_loop_delay_max_ms: 0,
    heap_used_mb: 0,
    heap_total_mb: 0,
    rss_mb: 0,
    uptime_seconds: 0,
    status: 'unknown',
    error,
  };
}
