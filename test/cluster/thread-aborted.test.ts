// worker_threads: an aborted request recorded in a thread counts as failed by the same rule as in the process
// (`abortedFailureMs`: failed after it, an early close before it, not a request); connectThread() ignored the process's option and judged every thread's aborted request
// against 1000 ms. Real threads; the oracle is the plan each thread records (one 200, aborted after 5 and 1500 ms).

import { describe, expect, it } from 'vitest';
import { createMonitor } from '../../src/monitor.js';
import type { Logger } from '../../src/types.js';
import { runAbortedThread } from './thread-fixtures.js';

function logger() {
  const warnings: string[] = [];
  const log: Logger = {
    info: () => undefined,
    warn: (_o, m) => warnings.push(String(m)),
    error: () => undefined,
  };
  return { log, warnings };
}

/**
 * The process's error rate, requests and early closes after one thread recorded its plan. An aborted request that
 * waited at least abortedFailureMs is a failed request; one closed earlier is an early close (not a request).
 */
async function failedAfterThread(
  monitorMs: number | undefined,
  threadMs: number | undefined,
): Promise<{ rate: number | null; requests: number; early: number; warnings: string[] }> {
  const { log, warnings } = logger();
  const monitor = createMonitor({
    sampleIntervalMs: 0,
    logger: log,
    ...(monitorMs === undefined ? {} : { abortedFailureMs: monitorMs }),
  });
  try {
    await runAbortedThread(threadMs === undefined ? {} : { abortedFailureMs: threadMs });
    let m = await monitor.getMetrics({ maxAgeMs: 0 });
    for (let i = 0; i < 200 && m.errors.count_aborted < 2; i++) {
      await new Promise((r) => setTimeout(r, 25));
      m = await monitor.getMetrics({ maxAgeMs: 0 });
    }
    expect(m.errors.count_aborted).toBe(2);
    return {
      rate: m.errors.error_rate_percent,
      requests: m.requests.total,
      early: m.errors.count_aborted_early ?? 0,
      warnings,
    };
  } finally {
    await monitor.close();
  }
}

describe('worker_threads: aborted requests judged by abortedFailureMs', () => {
  it("a thread follows the process's monitor's abortedFailureMs (0: both aborted requests failed; were 1)", async () => {
    const { rate, requests, early, warnings } = await failedAfterThread(0, undefined);
    expect([requests, early]).toEqual([3, 0]);
    expect(rate).toBeCloseTo((2 / 3) * 100, 1);
    expect(warnings).toEqual([]);
  }, 30_000);

  it("a thread follows the process's monitor's abortedFailureMs (2000: neither failed, both early closes; was 1 failed)", async () => {
    const { rate, requests, early } = await failedAfterThread(2000, undefined);
    // Both closed early: not requests (the 200 alone is).
    expect([requests, early]).toEqual([1, 2]);
    expect(rate).toBe(0);
  }, 30_000);

  it('the default (1000 ms) in both: the one that waited 1500 ms failed', async () => {
    const { rate, requests, early } = await failedAfterThread(undefined, undefined);
    expect([requests, early]).toEqual([2, 1]);
    expect(rate).toBe(50);
  }, 30_000);

  it("connectThread's own abortedFailureMs is used, and a difference with the process's is logged once", async () => {
    const { rate, requests, warnings } = await failedAfterThread(undefined, 0);
    expect(requests).toBe(3);
    expect(rate).toBeCloseTo((2 / 3) * 100, 1);
    expect(warnings.filter((w) => w.includes('abortedFailureMs'))).toHaveLength(1);
  }, 30_000);

  it('connectThread refuses an abortedFailureMs that is not an integer from 0 to 3,600,000', async () => {
    await expect(runAbortedThread({ abortedFailureMs: -1 })).rejects.toThrow(/abortedFailureMs/);
  }, 30_000);
});
