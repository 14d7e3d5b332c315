// Outside review A, RTA-4: groupTimeoutMs, a plugin's timeoutMs and intervalMs took fractions (0.5, 1000.5) while the
// monitor's other ms options refused them: `groupTimeoutMs: 0.5` made every sample "no answer within 0.5 ms". The
// sweep found the same in a probe's timeoutMs, MemoryStore's and RedisStore's resolutionMs and retentionMs,
// RedisStore's commandTimeoutMs and a job's expectEvery. Every duration option now takes whole ms only
// (ERR_SYSVITALS_INVALID_OPTION), its range unchanged. The oracle: README, "a whole number of ms (as the monitor's
// other ms options)", checked here against every duration option, old and new alike.

import { afterEach, describe, expect, it } from 'vitest';
import { MetricsCollector } from '../../src/collector/index.js';
import { createMonitor, type SystemMonitor } from '../../src/monitor.js';
import { MemoryStore } from '../../src/stores/memory.js';
import { RedisStore } from '../../src/stores/redis.js';

const MAX = 2 ** 31 - 1; // setTimeout's longest delay (Node's documentation)
const silent = { warn() {}, error() {} };
const monitors: SystemMonitor[] = [];

afterEach(async () => {
  for (const m of monitors.splice(0)) await m.close();
});

function monitor(options: Record<string, unknown>): SystemMonitor {
  const m = createMonitor({ sampleIntervalMs: 0, handleSignals: false, logger: silent, ...options });
  monitors.push(m);
  return m;
}

function refusal(fn: () => unknown): { code?: string; message: string } | undefined {
  try {
    fn();
  } catch (err) {
    return err as { code?: string; message: string };
  }
  return undefined;
}

const plugin = (extra: object) => ({ collectors: [{ name: 'p', collect: () => ({}), ...extra }] });

/** Each duration option, as a user sets it: `(v) => setup with v`. */
const DURATIONS: ReadonlyArray<readonly [string, (v: unknown) => unknown]> = [
  // Fixed by RTA-4 (and its sweep).
  ['groupTimeoutMs', (v) => monitor({ groupTimeoutMs: v })],
  ['collectors[].timeoutMs', (v) => monitor(plugin({ timeoutMs: v }))],
  ['collectors[].intervalMs', (v) => monitor(plugin({ intervalMs: v }))],
  ['probes.redis.timeoutMs', (v) => monitor({ probes: { redis: { check: async () => {}, timeoutMs: v } } })],
  ['MemoryStore resolutionMs', (v) => new MemoryStore({ resolutionMs: v as number })],
  ['MemoryStore retentionMs', (v) => new MemoryStore({ retentionMs: v as number })],
  [
    'RedisStore resolutionMs',
    (v) => new RedisStore({ url: 'redis://127.0.0.1:1', resolutionMs: v as number }),
  ],
  ['RedisStore retentionMs', (v) => new RedisStore({ url: 'redis://127.0.0.1:1', retentionMs: v as number })],
  [
    'RedisStore commandTimeoutMs',
    (v) => new RedisStore({ url: 'redis://127.0.0.1:1', commandTimeoutMs: v as number }),
  ],
  ['job expectEvery', (v) => monitor({}).job('nightly', () => undefined, { expectEvery: v as number })],
  // Refused before already: the monitor's other ms options.
  ['sampleIntervalMs', (v) => monitor({ sampleIntervalMs: v })],
  ['requestWindowMs', (v) => monitor({ requestWindowMs: v })],
  ['abortedFailureMs', (v) => monitor({ abortedFailureMs: v })],
  ['unansweredMinWaitMs', (v) => monitor({ unansweredMinWaitMs: v })],
  ['eventLoopResolutionMs', (v) => monitor({ eventLoopResolutionMs: v })],
  ['resolutionMs', (v) => monitor({ resolutionMs: v })],
  ['retentionMs', (v) => monitor({ retentionMs: v })],
  ['webhook.timeoutMs', (v) => monitor({ webhook: { url: 'http://127.0.0.1:9/hook', timeoutMs: v } })],
  ['shutdown.drainMs', (v) => monitor({ shutdown: { drainMs: v } })],
  ['probeRules.maxEventLoopBlockMs', (v) => monitor({ probeRules: { maxEventLoopBlockMs: v } })],
];

describe('every duration option takes whole milliseconds only', () => {
  it.each(DURATIONS)('%s refuses 0.5, 1000.5, 60000.5 and 3600000.5 at setup', (_name, setup) => {
    for (const v of [0.5, 1000.5, 60_000.5, 3_600_000.5]) {
      const e = refusal(() => setup(v));
      expect(e?.code, String(v)).toBe('ERR_SYSVITALS_INVALID_OPTION');
      expect(e?.message).toContain(String(v));
    }
  });
});

describe('the options RTA-4 fixed: the message, and the range unchanged', () => {
  it('groupTimeoutMs: whole ms from 1 to 2^31-1', () => {
    expect(refusal(() => monitor({ groupTimeoutMs: 0.5 }))?.message).toBe(
      `\`groupTimeoutMs\` must be a whole number of milliseconds from 1 to ${MAX} (got 0.5)`,
    );
    for (const v of [0, MAX + 1, '1000', Number.NaN]) {
      expect(refusal(() => monitor({ groupTimeoutMs: v }))?.code, String(v)).toBe(
        'ERR_SYSVITALS_INVALID_OPTION',
      );
    }
    for (const v of [1, 1000, MAX]) {
      expect(refusal(() => new MetricsCollector({ groupTimeoutMs: v, logger: silent }).close())).toBe(
        undefined,
      );
    }
  });

  it("a plugin's timeoutMs (1 to 300,000) and intervalMs (1 to 2^31-1)", () => {
    expect(refusal(() => monitor(plugin({ timeoutMs: 1000.5 })))?.message).toBe(
      'sysvitals: collectors `p`: timeoutMs must be a whole number of milliseconds from 1 to 300000 (got 1000.5).',
    );
    expect(refusal(() => monitor(plugin({ intervalMs: 0.5 })))?.message).toBe(
      `sysvitals: collectors \`p\`: intervalMs must be a whole number of milliseconds from 1 to ${MAX} (got 0.5).`,
    );
    for (const [key, max] of [
      ['timeoutMs', 300_000],
      ['intervalMs', MAX],
    ] as const) {
      for (const v of [1, max])
        expect(
          refusal(() => monitor(plugin({ [key]: v }))),
          `${key} ${v}`,
        ).toBe(undefined);
      for (const v of [0, max + 1]) {
        expect(refusal(() => monitor(plugin({ [key]: v })))?.code, `${key} ${v}`).toBe(
          'ERR_SYSVITALS_INVALID_OPTION',
        );
      }
    }
  });

  it("a probe's timeoutMs, the stores' durations, a job's expectEvery (its text forms whole ms too)", () => {
    expect(
      refusal(() => monitor({ probes: { redis: { check: async () => {}, timeoutMs: 0.5 } } }))?.message,
    ).toBe(`probes.redis.timeoutMs must be a whole number of milliseconds from 1 to ${MAX} (got 0.5)`);
    expect(refusal(() => new MemoryStore({ resolutionMs: 60_000.5 }))?.message).toBe(
      `MemoryStore: \`resolutionMs\` must be a whole number of milliseconds from 1 to ${Number.MAX_SAFE_INTEGER} (got 60000.5).`,
    );
    expect(
      refusal(() => new RedisStore({ url: 'redis://127.0.0.1:1', commandTimeoutMs: 0.5 }))?.message,
    ).toBe(
      `RedisStore: \`commandTimeoutMs\` must be a whole number of milliseconds from 1 to ${MAX} (got 0.5).`,
    );
    expect(
      refusal(() => new RedisStore({ url: 'redis://127.0.0.1:1', commandTimeoutMs: MAX + 1 }))?.code,
    ).toBe('ERR_SYSVITALS_INVALID_OPTION');
    const store = new MemoryStore({ resolutionMs: 60_000, retentionMs: 3_600_000 });
    void store.close();
    const m = monitor({});
    for (const expectEvery of ['1.5s', '0.001s', '1.001s', '5m', 1, 300_000]) {
      expect(
        refusal(() => m.job(`job-${String(expectEvery)}`, () => undefined, { expectEvery })),
        String(expectEvery),
      ).toBe(undefined);
    }
    for (const expectEvery of ['0.0005s', '1.0005s', 0.5, 1000.5]) {
      expect(
        refusal(() => m.job('bad', () => undefined, { expectEvery }))?.message,
        String(expectEvery),
      ).toMatch(/expectEvery` must be a positive duration: a whole number of ms/);
    }
  });
});
