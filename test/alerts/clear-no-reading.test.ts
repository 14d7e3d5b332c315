// Outside review 24, RT24-5: a rule cleared for lack of a reading (no request completed in the window: p95 null,
// no judged request: no error rate) sent its `cleared` event with `value: 0`, a 0 ms p95 or a 0 % error rate that
// nobody measured, though the metrics said null/unknown. The oracle is the README: a missing reading is never shown
// as 0, and a clearing sample updates `value` only with a reading it has: the cleared event keeps the last value
// measured (the requests' exact p95 and error rate, computed here from what was recorded) and says why it cleared.

import { afterEach, describe, expect, it } from 'vitest';
import type { AlertEvent } from '../../src/alerts/alert.js';
import { silentLogger } from '../../src/logger.js';
import { createMonitor, type SystemMonitor } from '../../src/monitor.js';

const HOST_OFF = {
  cpu: { enabled: false },
  memory: { enabled: false },
  disk: { enabled: false },
  event_loop_delay: { enabled: false },
} as const;

describe('a rule cleared for lack of a reading keeps the last value it read', () => {
  let monitor: SystemMonitor | undefined;
  afterEach(async () => {
    await monitor?.close();
    monitor = undefined;
  });

  function start(alerts: Record<string, unknown>) {
    let now = Date.UTC(2026, 11, 6, 12, 0, 2);
    const events: AlertEvent[] = [];
    monitor = createMonitor({
      clock: () => now,
      sampleIntervalMs: 0,
      logger: silentLogger,
      alerts: { ...HOST_OFF, ...alerts },
      onAlert: (e) => {
        events.push(e);
      },
    });
    return { m: monitor, events, advance: (ms: number) => (now += ms) };
  }

  it('api_response_time: raised at the p95 of 25 requests of 6000 ms, cleared with no request: 6000, not 0', async () => {
    const { m, events, advance } = start({ error_rate: { enabled: false } });
    for (let i = 0; i < 25; i++)
      m.recordRequest({ method: 'GET', route: '/x', status: 200, durationMs: 6000 });
    await m.sample();
    const raised = events.find((e) => e.type === 'raised' && e.alert.rule === 'api_response_time');
    const p95 = (await m.getMetrics()).latency.p95_ms as number;
    // The p95 of 25 × 6000 ms: 6000 (never above the largest duration, README).
    expect(p95).toBe(6000);
    expect(raised?.alert.value).toBe(p95);
    advance(16 * 60_000);
    await m.sample();
    expect((await m.getMetrics()).latency.p95_ms).toBeNull();
    const cleared = events.find((e) => e.type === 'cleared' && e.alert.rule === 'api_response_time');
    expect(cleared, 'cleared once nothing is measured').toBeDefined();
    expect(cleared?.alert.value).toBe(p95);
    expect(cleared?.alert.message).toMatch(/no reading/);
  });

  it('error_rate: raised at 40 % (8 of 20 answered 500), cleared with no judged request: 40, not 0', async () => {
    const { m, events, advance } = start({ api_response_time: { enabled: false } });
    for (let i = 0; i < 20; i++) {
      m.recordRequest({ method: 'GET', route: '/y', status: i < 8 ? 500 : 200, durationMs: 5 });
    }
    await m.sample();
    const raised = events.find((e) => e.type === 'raised' && e.alert.rule === 'error_rate');
    expect(raised, 'raised').toBeDefined();
    const last = events.filter((e) => e.alert.rule === 'error_rate').at(-1);
    advance(16 * 60_000);
    await m.sample();
    const errors = (await m.getMetrics()).errors;
    expect(errors.count_judged ?? 0).toBe(0);
    const cleared = events.find((e) => e.type === 'cleared' && e.alert.rule === 'error_rate');
    expect(cleared, 'cleared once nothing is judged').toBeDefined();
    // The last value read while active: 8 / 20 = 40 %, or the Wilson bound the rule read (README), never 0.
    expect(cleared?.alert.value).toBe(last?.alert.value);
    expect(cleared?.alert.value).toBeGreaterThan(0);
    expect(cleared?.alert.message).toMatch(/no reading/);
  });
});
