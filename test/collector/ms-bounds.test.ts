// Outside review 47, RT47-4: millisecond options above setTimeout's 2^31-1 were accepted where the others are
// range-checked, and then fired after 1 ms (Node's clamp): a plugin always `unknown`, cpu/disk `unknown` at every
// sample, every webhook attempt aborted at once. Now refused at setup with ERR_SYSVITALS_INVALID_OPTION and the
// range; the webhook's doubling retry backoff, which can pass the limit after many retries, is clamped to it.

import { afterEach, describe, expect, it, vi } from 'vitest';
import { WebhookChannel } from '../../src/alerts/webhook.js';
import { MetricsCollector } from '../../src/collector/index.js';
import { createMonitor } from '../../src/monitor.js';
import { RedisStore } from '../../src/stores/redis.js';

const MAX = 2 ** 31 - 1; // setTimeout's longest delay (Node's documentation)
const silent = { warn() {}, error() {} };

afterEach(() => {
  vi.useRealTimers();
  vi.restoreAllMocks();
});

function refusal(fn: () => unknown): { code?: string; message: string } | undefined {
  try {
    const made = fn() as { close?: () => unknown };
    void made?.close?.();
  } catch (err) {
    return err as { code?: string; message: string };
  }
  return undefined;
}

describe('ms options above 2^31-1 are refused at setup', () => {
  it('collectors[].timeoutMs (at most 300,000) and intervalMs (at most 2^31-1)', () => {
    const plugin = (extra: object) => ({
      collectors: [{ name: 'p', collect: () => ({}), ...extra }],
      sampleIntervalMs: 0,
      logger: silent,
    });
    for (const [extra, text] of [
      [{ timeoutMs: 3_000_000_000 }, 'timeoutMs must be a whole number of milliseconds from 1 to 300000'],
      [{ timeoutMs: 300_001 }, 'timeoutMs must be a whole number of milliseconds from 1 to 300000'],
      [{ intervalMs: 3_000_000_000 }, `intervalMs must be a whole number of milliseconds from 1 to ${MAX}`],
    ] as const) {
      const e = refusal(() => createMonitor(plugin(extra)));
      expect(e?.code, JSON.stringify(extra)).toBe('ERR_SYSVITALS_INVALID_OPTION');
      expect(e?.message).toContain(text);
    }
    // The largest values are accepted.
    expect(
      refusal(
        () => new MetricsCollector({ plugins: [{ name: 'p', collect: () => ({}), timeoutMs: 300_000 }] }),
      ),
    ).toBe(undefined);
    expect(
      refusal(() => new MetricsCollector({ plugins: [{ name: 'p', collect: () => ({}), intervalMs: MAX }] })),
    ).toBe(undefined);
  });

  it('groupTimeoutMs', () => {
    const e = refusal(() =>
      createMonitor({ sampleIntervalMs: 0, groupTimeoutMs: 3_000_000_000, logger: silent }),
    );
    expect(e?.code).toBe('ERR_SYSVITALS_INVALID_OPTION');
    expect(e?.message).toContain(`groupTimeoutMs\` must be a whole number of milliseconds from 1 to ${MAX}`);
    expect(refusal(() => new MetricsCollector({ groupTimeoutMs: MAX, logger: silent }))).toBe(undefined);
  });

  it('webhook.timeoutMs and webhook.retryDelayMs', () => {
    const url = 'http://127.0.0.1:9/hook';
    for (const [key, value, text] of [
      [
        'timeoutMs',
        3_000_000_000,
        `\`webhook.timeoutMs\` must be an integer from 1 to ${MAX}, got 3000000000.`,
      ],
      [
        'retryDelayMs',
        3_000_000_000,
        `\`webhook.retryDelayMs\` must be an integer from 0 to ${MAX}, got 3000000000.`,
      ],
    ] as const) {
      const e = refusal(() =>
        createMonitor({ sampleIntervalMs: 0, logger: silent, webhook: { url, [key]: value } }),
      );
      expect(e?.code, key).toBe('ERR_SYSVITALS_INVALID_OPTION');
      expect(e?.message).toBe(`sysvitals: ${text}`);
    }
  });
});

describe('the other timers the options set', () => {
  it('a probe timeoutMs and RedisStore commandTimeoutMs', () => {
    const probe = refusal(() =>
      createMonitor({
        sampleIntervalMs: 0,
        logger: silent,
        probes: { database: { check: async () => {}, timeoutMs: 3_000_000_000 } },
      }),
    );
    expect(probe?.code).toBe('ERR_SYSVITALS_INVALID_OPTION');
    expect(probe?.message).toBe(
      `probes.database.timeoutMs must be a whole number of milliseconds from 1 to ${MAX} (got 3000000000)`,
    );
    const store = refusal(
      () => new RedisStore({ url: 'redis://127.0.0.1:1', commandTimeoutMs: 3_000_000_000 }),
    );
    expect(store?.code).toBe('ERR_SYSVITALS_INVALID_OPTION');
    expect(store?.message).toBe(
      `RedisStore: \`commandTimeoutMs\` must be a whole number of milliseconds from 1 to ${MAX} (got 3000000000).`,
    );
  });
});

describe('the webhook retry backoff', () => {
  it('past 2^31-1 ms waits 2^31-1 ms, not 1 ms', async () => {
    vi.useFakeTimers();
    const fetch = vi.spyOn(globalThis, 'fetch').mockRejectedValue(new Error('connect ECONNREFUSED'));
    const c = new WebhookChannel({
      url: 'http://127.0.0.1:9/hook',
      retries: 20,
      retryDelayMs: 600_000,
      logger: silent,
    });
    c.send({
      type: 'raised',
      alert: {
        id: 'a',
        rule: 'cpu',
        component: 'cpu',
        severity: 'warning',
        message: 'CPU usage warning',
        timestamp: '2026-01-01T00:00:00.000Z',
        duration_seconds: 0,
        value: 90,
        threshold: 80,
        state: 'active',
        cleared_at: null,
      },
    });
    // Delays 600,000 × 2^(k-1) ms for k = 1…12 (the 12th 1,228,800,000) fit; the 13th (2,457,600,000) does not.
    let sum = 0;
    for (let k = 1; k <= 12; k++) sum += 600_000 * 2 ** (k - 1);
    await vi.advanceTimersByTimeAsync(sum + 1000);
    expect(fetch).toHaveBeenCalledTimes(13);
    await vi.advanceTimersByTimeAsync(MAX - 2000);
    expect(fetch).toHaveBeenCalledTimes(13); // before the fix: every remaining attempt at once (21)
    await vi.advanceTimersByTimeAsync(2000);
    expect(fetch).toHaveBeenCalledTimes(14);
    await c.close?.();
  });
});
