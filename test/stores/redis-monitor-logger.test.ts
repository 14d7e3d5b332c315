// RT40-4: a RedisStore given to createMonitor writes its outage and data-loss lines to the monitor's `logger`, not to
// stderr; a store built with a `logger` of its own keeps it. Redis is down (port 1 refuses): the lines are certain.

import { afterEach, describe, expect, it, vi } from 'vitest';
import { createMonitor } from '../../src/index.js';
import { RedisStore } from '../../src/stores/redis.js';
import type { Logger } from '../../src/types.js';

function recording(): { logger: Logger; lines: string[] } {
  const lines: string[] = [];
  const push = (_o: unknown, m?: string) => {
    lines.push(m ?? '');
  };
  return { logger: { warn: push, error: push, info: push }, lines };
}

/** What reached stderr through the default logger (console.warn / console.error). */
function stderrLines(): { lines: string[]; restore: () => void } {
  const lines: string[] = [];
  const warn = vi.spyOn(console, 'warn').mockImplementation((...a: unknown[]) => lines.push(a.join(' ')));
  const error = vi.spyOn(console, 'error').mockImplementation((...a: unknown[]) => lines.push(a.join(' ')));
  return {
    lines,
    restore: () => {
      warn.mockRestore();
      error.mockRestore();
    },
  };
}

async function run(store: RedisStore, logger: Logger): Promise<void> {
  const monitor = createMonitor({ sampleIntervalMs: 0, instanceId: 'rt40-4', logger, store });
  try {
    await monitor.sample();
  } finally {
    await monitor.close();
  }
}

describe('RedisStore lines and the monitor logger', () => {
  let restore: (() => void) | undefined;
  afterEach(() => restore?.());

  it("go to the monitor's logger when the store has none of its own", async () => {
    const stderr = stderrLines();
    restore = stderr.restore;
    const mine = recording();
    await run(new RedisStore({ url: 'redis://127.0.0.1:1', commandTimeoutMs: 200 }), mine.logger);
    expect(mine.lines.filter((l) => l.includes('redis store')).length).toBeGreaterThan(0);
    expect(stderr.lines.filter((l) => l.includes('redis store'))).toEqual([]);
  });

  it("stay with the store's own logger when it has one", async () => {
    const stderr = stderrLines();
    restore = stderr.restore;
    const monitorLog = recording();
    const storeLog = recording();
    const store = new RedisStore({
      url: 'redis://127.0.0.1:1',
      commandTimeoutMs: 200,
      logger: storeLog.logger,
    });
    await run(store, monitorLog.logger);
    expect(storeLog.lines.filter((l) => l.includes('redis store')).length).toBeGreaterThan(0);
    expect(monitorLog.lines.filter((l) => l.includes('redis store'))).toEqual([]);
    expect(stderr.lines.filter((l) => l.includes('redis store'))).toEqual([]);
  });
});
