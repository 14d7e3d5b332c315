import { afterEach, describe, expect, it } from 'vitest';
import { ProcessCollector } from '../../src/collector/process.js';

const tick = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function block(ms: number) {
  const end = performance.now() + ms;
  while (performance.now() < end) {
    // busy: this is the stall the monitor must see
  }
}

describe('ProcessCollector', () => {
  let proc: ProcessCollector | undefined;
  afterEach(() => proc?.close());

  it('reports heap, rss, pid and uptime of this process', () => {
    proc = new ProcessCollector(20);
    const m = proc.collect();
    expect(m.pid).toBe(process.pid);
    expect(m.heap_used_mb).toBeGreaterThan(0);
    expect(m.heap_total_mb).toBeGreaterThanOrEqual(m.heap_used_mb);
    expect(m.rss_mb).toBeGreaterThan(m.heap_used_mb);
    expect(m.uptime_seconds).toBeGreaterThanOrEqual(0);
    expect(m.status).toBe('healthy');
  });

  it('sees an event-loop stall, net of the sampling resolution, and forgets it after reporting', async () => {
    proc = new ProcessCollector(10);
    await tick(50);
    block(150);
    await tick(50);
    const stalled = proc.collect();
    expect(stalled.event_loop_delay_max_ms).toBeGreaterThanOrEqual(100);
    expect(stalled.event_loop_delay_p99_ms).toBeLessThanOrEqual(stalled.event_loop_delay_max_ms);
    expect(stalled.event_loop_delay_p50_ms).toBeLessThanOrEqual(stalled.event_loop_delay_p99_ms);
    await tick(100);
    expect(proc.collect().event_loop_delay_max_ms).toBeLessThan(100);
  });
});
