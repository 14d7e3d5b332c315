// farewell.ts on a scripted link (fake timers, an injected clock): a refused last report is asked again of the
// successor after leaving; a request that ended after the report was taken gets another report; an aggregator
// that never answers is given up at the deadline, with a warning naming the requests the report carried.

import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { type FarewellLink, farewell, type Requests } from '../../src/cluster/farewell.js';
import type { Peer } from '../../src/cluster/peer.js';

const peer = { closed: false } as unknown as Peer;

function link(script: Array<() => Promise<unknown>>, requests: () => Requests) {
  const calls = { byes: 0, leaves: 0, joins: 0 };
  let connected = true;
  const l: FarewellLink = {
    requests,
    welcomed: () => (connected ? peer : null),
    connected: () => connected,
    join: () => {
      calls.joins++;
      connected = true;
    },
    leave: () => {
      calls.leaves++;
      connected = false;
    },
    acknowledges: () => true,
    bye: () => ({ requests: 3, acked: (script[calls.byes++] ?? script[script.length - 1])!() }),
    sendLast: () => undefined,
  };
  return { l, calls };
}

describe('farewell', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());
  const now = () => Date.now();
  const logger = () => ({ warn: vi.fn(), error: vi.fn() });

  it('refused by an aggregator that handed over: leaves, joins the successor, asks again; acknowledged', async () => {
    const { l, calls } = link(
      [() => Promise.reject(new Error('not in the ledger')), () => Promise.resolve(null)],
      () => ({ inFlight: 0, ended: 5 }),
    );
    const log = logger();
    const done = farewell(l, now, now() + 5000, { logger: log, worker: 'w', closeTimeoutMs: 5000 });
    await vi.advanceTimersByTimeAsync(200);
    expect(await done).toBe(true);
    expect(calls).toEqual({ byes: 2, leaves: 1, joins: 1 });
    expect(log.warn).not.toHaveBeenCalled();
  });

  it('a request that ended after the report was taken goes in another report', async () => {
    let ended = 5;
    const { l, calls } = link(
      [
        () => {
          ended++; // one ended while the answer was on its way
          return Promise.resolve(null);
        },
        () => Promise.resolve(null),
      ],
      () => ({ inFlight: 0, ended }),
    );
    const done = farewell(l, now, now() + 5000, { logger: logger(), worker: 'w', closeTimeoutMs: 5000 });
    await vi.advanceTimersByTimeAsync(200);
    expect(await done).toBe(true);
    expect(calls.byes).toBe(2);
  });

  it('an aggregator that never answers: given up at the deadline, logged with the requests the report carried', async () => {
    const { l } = link(
      [
        () =>
          new Promise((_, reject) => {
            setTimeout(() => reject(new Error('no answer')), 1500);
          }),
      ],
      () => ({ inFlight: 0, ended: 5 }),
    );
    const log = logger();
    const start = now();
    let settled = false;
    const done = farewell(l, now, start + 1500, { logger: log, worker: 'w', closeTimeoutMs: 1500 }).then(
      (v) => {
        settled = true;
        return v;
      },
    );
    await vi.advanceTimersByTimeAsync(1400);
    expect(settled).toBe(false);
    await vi.advanceTimersByTimeAsync(200);
    expect(await done).toBe(false);
    expect(log.warn).toHaveBeenCalledTimes(1);
    const [fields, msg] = log.warn.mock.calls[0] as [Record<string, unknown>, string];
    expect(fields).toMatchObject({ worker: 'w', closeTimeoutMs: 1500, requestsUnacknowledged: 3 });
    expect(msg).toMatch(/not acknowledged within closeTimeoutMs \(1500 ms\); its 3 request\(s\)/);
  });
});
