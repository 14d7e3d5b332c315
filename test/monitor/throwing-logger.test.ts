// Outside review 33, RT33-5: a user's logger that throws must never reach the host. Before the fix the sample cycle's
// "recovered" line was logged from a promise continuation with no catch: an unhandled rejection, which ends a Node
// process; and createMonitor itself threw the logger's error from its setup warnings.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createMonitor as createExpressMonitor } from '../../src/adapters/express.js';
import { createMonitor, type SystemMonitor } from '../../src/index.js';
import { safeLogger } from '../../src/logger.js';
import type { Logger } from '../../src/types.js';

const escaped: unknown[] = [];
const onEscape = (err: unknown) => void escaped.push(err);
let monitor: SystemMonitor | undefined;
let calls: string[] = [];

/** A logger whose every method records its call, then throws (a broken transport). */
function throwingLogger(): Logger {
  const boom =
    (name: string) =>
    (_o: unknown, m?: string): void => {
      calls.push(`${name} ${m}`);
      throw new Error(`logger ${name} boom`);
    };
  return { error: boom('error'), warn: boom('warn'), info: boom('info'), debug: boom('debug') };
}

beforeEach(() => {
  escaped.length = 0;
  calls = [];
  process.on('uncaughtException', onEscape);
  process.on('unhandledRejection', onEscape);
});
afterEach(async () => {
  await monitor?.close();
  monitor = undefined;
  vi.useRealTimers();
  vi.restoreAllMocks();
  process.off('uncaughtException', onEscape);
  process.off('unhandledRejection', onEscape);
});

/** Real turns of the event loop (not faked): lets an unhandled rejection be reported. */
const turns = async (n: number) => {
  for (let i = 0; i < n; i++) await new Promise((r) => setImmediate(r));
};

describe('a logger that throws (RT33-5)', () => {
  it('never escapes from the sample timer: the outage and its recovery are logged, nothing is unhandled', async () => {
    const stderr = vi.spyOn(console, 'error').mockImplementation(() => {});
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval'] });
    monitor = createMonitor({ sampleIntervalMs: 1000, logger: throwingLogger() });
    let down = true;
    monitor.collector.setProbe('database', {
      check: async () => {
        if (down) throw new Error('db down');
      },
    });
    // Each tick starts a sample; wait for it to finish (the 'metrics' event) and for its promise's continuation.
    const tick = async () => {
      const done = new Promise((r) => monitor?.once('metrics', r));
      vi.advanceTimersByTime(1000);
      await done;
      await turns(5);
    };
    await tick();
    down = false;
    await tick();
    await tick();
    expect(escaped).toEqual([]);
    // The logger was called (its lines were attempted) and stderr was told once that they were dropped.
    expect(calls.some((c) => c.startsWith('warn sysvitals: database'))).toBe(true);
    expect(calls.some((c) => /^info sysvitals: database recovered/.test(c))).toBe(true);
    const told = stderr.mock.calls.filter(([line]) => String(line).includes('failed'));
    expect(told).toHaveLength(1);
  });

  it("createMonitor's setup warnings (a short adminToken, no credential) do not throw the logger's error", () => {
    vi.spyOn(console, 'error').mockImplementation(() => {});
    expect(() => {
      const m = createExpressMonitor({
        sampleIntervalMs: 0,
        adminToken: 'short-token',
        logger: throwingLogger(),
      });
      monitor = m;
      m.middleware();
    }).not.toThrow();
    expect(calls.some((c) => c.includes('adminToken is 11 characters'))).toBe(true);
  });
});

describe('a logger that rejects or traps (RT35-1, RT35-2)', () => {
  it('an async logger whose methods reject: setup and the sample timer go on, nothing is unhandled', async () => {
    const stderr = vi.spyOn(console, 'error').mockImplementation(() => {});
    const rejecting = async (_o: unknown, m?: string): Promise<void> => {
      calls.push(String(m));
      throw new Error('log transport down');
    };
    const logger = {
      warn: rejecting,
      error: rejecting,
      info: rejecting,
      debug: rejecting,
    } as unknown as Logger;
    const m = createExpressMonitor({ sampleIntervalMs: 0, adminToken: 'short-token', logger });
    monitor = m;
    m.middleware();
    m.collector.setProbe('database', {
      check: async () => {
        throw new Error('db down');
      },
    });
    await m.sample();
    await turns(5);
    expect(escaped).toEqual([]);
    expect(calls.some((c) => c.includes('adminToken is 11 characters'))).toBe(true);
    expect(stderr.mock.calls.filter(([line]) => String(line).includes('log transport down'))).toHaveLength(1);
  });

  it('a Proxy logger whose get trap throws: createMonitor does not throw, the lines are dropped', async () => {
    vi.spyOn(console, 'error').mockImplementation(() => {});
    const logger = new Proxy(
      {},
      {
        get() {
          throw new Error('proxy get boom');
        },
      },
    ) as Logger;
    expect(() => {
      const m = createExpressMonitor({ sampleIntervalMs: 0, adminToken: 'short-token', logger });
      monitor = m;
      m.middleware();
    }).not.toThrow();
    await monitor?.sample();
    await turns(5);
    expect(escaped).toEqual([]);
  });
});

describe('safeLogger', () => {
  it('passes every argument through unchanged and keeps absent methods absent', () => {
    const seen: unknown[][] = [];
    const logger: Logger = {
      error: (...a) => void seen.push(['error', ...a]),
      warn: (...a) => void seen.push(a),
    };
    const safe = safeLogger(logger);
    safe.error({ a: 1 }, 'm');
    safe.warn('only');
    expect(seen).toEqual([['error', { a: 1 }, 'm'], ['only']]);
    expect(safe.info).toBeUndefined();
    expect(safe.debug).toBeUndefined();
    expect(safeLogger(safe)).toBe(safe);
  });
});
