// drainAndClose on fake timers: the order and the virtual times of the shutdown's steps (readiness fails at
// once, the listener closes after delayMs, the drain ends as soon as nothing is in flight or at drainMs, then
// the monitor closes). The real-process test (shutdown.test.ts) checks the same steps by their order only.

import type { Server } from 'node:http';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { AdminInFlight } from '../../src/lifecycle/admin-in-flight.js';
import type { Lifecycle } from '../../src/lifecycle/lifecycle.js';
import { drainAndClose } from '../../src/lifecycle/shutdown.js';

afterEach(() => {
  vi.useRealTimers();
});

function scene(inFlightAtStart: number) {
  const events: string[] = [];
  const at = (what: string) => events.push(`${what}@${Date.now()}`);
  const state = { inFlight: inFlightAtStart, closed: undefined as (() => void) | undefined };
  const lifecycle = {
    beginDrain: () => at('drain'),
    knownServers: [],
    sessions: { closeAll: () => {}, destroyAll: () => {} },
    adminInFlight: new AdminInFlight(), // none open
    get inFlight() {
      return state.inFlight;
    },
  } as unknown as Lifecycle;
  const server = {
    listening: true,
    close: (cb: () => void) => {
      at('close');
      state.closed = cb;
    },
    closeIdleConnections: () => {},
    closeAllConnections: () => at('closeAll'),
  } as unknown as Server;
  const warnings: string[] = [];
  const logger = {
    warn: (_o: unknown, m?: string) => warnings.push(m ?? ''),
    error: () => {},
    info: () => {},
  };
  return { events, state, lifecycle, server, warnings, logger, at };
}

describe('drainAndClose on fake timers', () => {
  it('fails readiness at once, closes the listener after delayMs, ends the drain when nothing is in flight', async () => {
    vi.useFakeTimers({ now: 0 });
    const s = scene(2);
    const done = drainAndClose({
      lifecycle: s.lifecycle,
      servers: [s.server],
      config: { delayMs: 5000, drainMs: 10_000 },
      logger: s.logger,
      closeMonitor: async () => void s.at('monitor'),
    });
    expect(s.events).toEqual(['drain@0']);
    await vi.advanceTimersByTimeAsync(4999);
    expect(s.events).toEqual(['drain@0']); // still accepting during the delay
    await vi.advanceTimersByTimeAsync(1);
    expect(s.events).toEqual(['drain@0', 'close@5000']);
    await vi.advanceTimersByTimeAsync(3000); // the requests finish 3 s into the drain
    s.state.inFlight = 0;
    s.state.closed?.();
    await vi.advanceTimersByTimeAsync(25); // the next poll sees it
    expect(await done).toEqual({ dropped: 0, drainedInMs: 8025 });
    expect(s.events).toEqual(['drain@0', 'close@5000', 'monitor@8025']);
    expect(s.warnings).toEqual([]);
  });

  it('at drainMs, closes the connections of requests still in flight, says so, then closes the monitor', async () => {
    vi.useFakeTimers({ now: 0 });
    const s = scene(1);
    const done = drainAndClose({
      lifecycle: s.lifecycle,
      servers: [s.server],
      config: { delayMs: 400, drainMs: 1500 },
      logger: s.logger,
      closeMonitor: async () => void s.at('monitor'),
    });
    await vi.advanceTimersByTimeAsync(400 + 1499);
    expect(s.events).toEqual(['drain@0', 'close@400']); // not before the deadline
    await vi.advanceTimersByTimeAsync(1);
    expect(s.events).toEqual(['drain@0', 'close@400', 'closeAll@1900']);
    expect(s.warnings).toEqual([
      expect.stringMatching(/1 request\(s\) still in flight after drainMs \(1500 ms\)/),
    ]);
    s.state.closed?.(); // the listener's close callback once its last connection is gone
    expect(await done).toEqual({ dropped: 1, drainedInMs: 1900 });
    expect(s.events.at(-1)).toBe('monitor@1900');
  });
});
