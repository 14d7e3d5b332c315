// The lifecycle's state machine on an injected load reader: shedding episodes reported once per sample
// interval, reasons that say what was exceeded, startup only after a periodic sample.

import { afterEach, describe, expect, it } from 'vitest';
import { Lifecycle, shedReason } from '../../src/lifecycle/lifecycle.js';
import type { LoadReading } from '../../src/lifecycle/load-watch.js';
import { parseProbeRules, parseShed } from '../../src/lifecycle/options.js';

const quiet: LoadReading = {
  eventLoopDelayMs: 1,
  eventLoopUtilization: 0.1,
  heapUsedBytes: 1e6,
  rssBytes: 5e7,
};
let lifecycle: Lifecycle | undefined;
afterEach(() => lifecycle?.close());

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
});
