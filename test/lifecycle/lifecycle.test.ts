// The lifecycle's state machine on an injected load reader: shedding episodes reported once per sample
// interval, reasons that say what was exceeded, startup only after a periodic sample.

import { afterEach, describe, expect, it, vi } from 'vitest';
import { Lifecycle, shedReason } from '../../src/lifecycle/lifecycle.js';
import { IDLE_LOAD_READER, type LoadReading } from '../../src/lifecycle/load-watch.js';
import { parseProbeRules, parseShed } from '../../src/lifecycle/options.js';

const quiet: LoadReading = {
  eventLoopDelayMs: 1,
  eventLoopUtilization: 0.1,
  heapUsedBytes: 1e6,
  rssBytes: 5e7,
};
let lifecycle: Lifecycle | undefined;
afterEach(() => {
  lifecycle?.close();
  vi.restoreAllMocks();
});

function make(
  reading: { current: LoadReading },
  shed = parseShed({ maxEventLoopDelayMs: 100, maxHeapUsedBytes: 500_000 }),
) {
  lifecycle = new Lifecycle({
    rules: parseProbeRules({}, []),
    shed: shed && { ...shed, sampleIntervalMs: 3_600_000 },
    dependencyStatus: () => undefined,
    reader: () => ({ ...reading.current }),
  });
  return lifecycle;
}

describe('lifecycle', () => {
  it('reports a shedding episode that started and ended between two samples once, then clears', () => {
    const reading = { current: quiet };
    const l = make(reading, parseShed({ maxEventLoopDelayMs: 100 }));
    l.readLoad();
    expect(l.takeShedding()).toBeNull();
    reading.current = { ...quiet, eventLoopDelayMs: 250 };
    l.readLoad();
    expect(l.shedReason).toBe('event loop delay 250 ms > 100 ms');
    reading.current = quiet;
    l.readLoad();
    expect(l.shedReason).toBeUndefined();
    expect(l.takeShedding()).toBe('event loop delay 250 ms > 100 ms'); // the episode shows in the next sample
    expect(l.takeShedding()).toBeNull(); // and only there
  });

  it('names small byte limits in bytes, not as 0 MB', () => {
    const shed = parseShed({ maxHeapUsedBytes: 500_000 })!;
    expect(shedReason(shed, { ...quiet, heapUsedBytes: 17 * 1024 * 1024 })).toBe(
      'heap used 17 MB > 500000 bytes',
    );
    expect(
      shedReason(parseShed({ maxRssBytes: 64 * 1024 * 1024 })!, { ...quiet, rssBytes: 80 * 1024 * 1024 }),
    ).toBe('RSS 80 MB > 64 MB');
  });

  it('starts only after a periodic sample, and admits nothing while shedding', () => {
    const reading = { current: { ...quiet, eventLoopDelayMs: 500 } };
    const l = make(reading);
    expect(l.startup().ok).toBe(false);
    l.takeShedding(); // an on-demand read does not start the process
    expect(l.startup().ok).toBe(false);
    l.markSampled();
    expect(l.startup().ok).toBe(true);
    l.readLoad();
    const res = { statusCode: 0, headers: {} as Record<string, string>, headersSent: false, body: '' };
    const fakeRes = {
      ...res,
      setHeader(name: string, value: string) {
        res.headers[name] = value;
      },
      end(body: string) {
        res.body = body;
      },
      set statusCode(v: number) {
        res.statusCode = v;
      },
    };
    expect(l.admit({ socket: null } as never, fakeRes as never)).toBe(false);
    expect(res.statusCode).toBe(503);
    expect(res.headers['Retry-After']).toBe('10');
    expect(l.shedTotal).toBe(1);
    expect(l.inFlight).toBe(0);
  });

  it("while draining, a shed request's 503 carries Connection: close as every response does (RT31-3)", () => {
    const l = make({ current: { ...quiet, eventLoopDelayMs: 500 } });
    l.readLoad();
    const headers: Record<string, string> = {};
    const res = {
      headersSent: false,
      statusCode: 0,
      setHeader: (k: string, v: string) => (headers[k] = v),
      end() {},
    };
    const req = { socket: null, httpVersionMajor: 1 };
    expect(l.admit(req as never, res as never)).toBe(false);
    expect(headers.Connection).toBeUndefined(); // not draining: kept alive
    l.beginDrain();
    expect(l.admit(req as never, res as never)).toBe(false);
    expect([res.statusCode, headers.Connection]).toEqual([503, 'close']);
  });

  it('the real load reader reads memory only for a shedding limit on it (issue 18: 0.2 ms a read, twice a second)', async () => {
    // The oracle: process.memoryUsage() itself, stubbed to known figures, and how often it was asked.
    const memory = vi.spyOn(process, 'memoryUsage').mockReturnValue({
      rss: 90 * 1024 * 1024,
      heapUsed: 30 * 1024 * 1024,
      heapTotal: 40 * 1024 * 1024,
      external: 0,
      arrayBuffers: 0,
    });
    const build = (shed: Parameters<typeof parseShed>[0]) => {
      lifecycle?.close();
      lifecycle = new Lifecycle({
        rules: parseProbeRules({}, []),
        shed: shed && { ...parseShed(shed)!, sampleIntervalMs: 3_600_000 },
        dependencyStatus: () => undefined,
      });
      return lifecycle;
    };
    for (const shed of [undefined, { maxEventLoopDelayMs: 100 }, { maxEventLoopUtilization: 0.9 }]) {
      const l = build(shed);
      const r = l.readLoad();
      expect([r.heapUsedBytes, r.rssBytes], JSON.stringify(shed)).toEqual([0, 0]);
      await expect(l.live()).resolves.toMatchObject({ ok: true }); // liveness reads the delay only
    }
    expect(memory).not.toHaveBeenCalled();
    for (const shed of [{ maxRssBytes: 64 * 1024 * 1024 }, { maxHeapUsedBytes: 20 * 1024 * 1024 }]) {
      const l = build(shed);
      const calls = memory.mock.calls.length;
      const r = l.readLoad();
      expect(memory.mock.calls.length).toBe(calls + 1);
      expect([r.heapUsedBytes, r.rssBytes]).toEqual([30 * 1024 * 1024, 90 * 1024 * 1024]);
      expect(l.shedReason).toBe(shed.maxRssBytes ? 'RSS 90 MB > 64 MB' : 'heap used 30 MB > 20 MB');
    }
  });

  it("a cluster monitor's lifecycle (the idle reader) arms no load-watch timer; readings stay zeros", () => {
    vi.useFakeTimers();
    try {
      const reads: number[] = [];
      const build = (reader: () => LoadReading) =>
        new Lifecycle({
          rules: parseProbeRules({}, []),
          shed: undefined,
          dependencyStatus: () => undefined,
          reader,
        });
      // The oracle: the fake clock's own count of armed timers, and the reader's calls.
      const counting = build(() => {
        reads.push(1);
        return { ...quiet };
      });
      expect(vi.getTimerCount()).toBe(1);
      vi.advanceTimersByTime(1000);
      expect(reads.length).toBe(2); // every 500 ms
      counting.close();
      expect(vi.getTimerCount()).toBe(0);
      const idle = build(IDLE_LOAD_READER);
      expect(vi.getTimerCount()).toBe(0);
      vi.advanceTimersByTime(60_000);
      expect(idle.load).toEqual({
        eventLoopDelayMs: 0,
        eventLoopUtilization: 0,
        heapUsedBytes: 0,
        rssBytes: 0,
      });
      expect(idle.readLoad()).toEqual(idle.load); // an on-demand reading still works
      idle.close();
    } finally {
      vi.useRealTimers();
    }
  });

  it('the real lag timer sleeps while no request is served and the next admission wakes it (issue 18); shedding on delay keeps it', () => {
    // The oracle: the fake clock's own count of armed timers (the 500 ms reading's and the 100 ms lag timer's).
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval'] });
    try {
      const build = (shed?: Parameters<typeof parseShed>[0]) =>
        new Lifecycle({
          rules: parseProbeRules({}, []),
          shed: shed && { ...parseShed(shed)!, sampleIntervalMs: 500 },
          dependencyStatus: () => undefined,
        });
      const res = {};
      const req = { socket: null } as never;
      const l = build();
      expect(vi.getTimerCount()).toBe(2);
      vi.advanceTimersByTime(100); // the first firing has no earlier one to compare with: it runs on
      expect(vi.getTimerCount()).toBe(2);
      vi.advanceTimersByTime(100); // a whole interval without a request: asleep
      expect(vi.getTimerCount()).toBe(1);
      vi.advanceTimersByTime(10_000); // the reading's timer alone
      expect(vi.getTimerCount()).toBe(1);
      expect(l.admit(req, res as never)).toBe(true); // wakes it
      expect(vi.getTimerCount()).toBe(2);
      vi.advanceTimersByTime(2_000); // in flight: it runs
      expect(vi.getTimerCount()).toBe(2);
      l.ended(res);
      vi.advanceTimersByTime(100); // a request ended in this interval: it runs on
      expect(vi.getTimerCount()).toBe(2);
      vi.advanceTimersByTime(100);
      expect(vi.getTimerCount()).toBe(1);
      // A request that came and went between two firings keeps it running for that interval.
      expect(l.admit(req, res as never)).toBe(true);
      l.ended(res);
      vi.advanceTimersByTime(100);
      expect(vi.getTimerCount()).toBe(2);
      vi.advanceTimersByTime(100);
      expect(vi.getTimerCount()).toBe(1);
      l.close();
      expect(vi.getTimerCount()).toBe(0);
      // Shedding on delay: its 20 ms lag timer never sleeps (the first request after a stall is judged by it).
      const shedding = build({ maxEventLoopDelayMs: 100 });
      vi.advanceTimersByTime(10_000);
      expect(vi.getTimerCount()).toBe(2);
      shedding.close();
      // Shedding on utilisation only: the 100 ms one sleeps.
      const elu = build({ maxEventLoopUtilization: 0.9 });
      vi.advanceTimersByTime(10_000);
      expect(vi.getTimerCount()).toBe(1);
      elu.close();
      expect(vi.getTimerCount()).toBe(0);
    } finally {
      vi.useRealTimers();
    }
  });
});
