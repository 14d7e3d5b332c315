// Outside review 34, RT34-3: programmatic reads threw uncoded TypeErrors on bad input: getHistory({ period: '2h' })
// ("reading 'stepMs'"), recordRequest(null), clusterSource.endpoints('count', 10) ("k is not a function"; the
// single-process endpoints('bogus') only seemed to fall back, with fewer than two rows to sort), a refused silence
// (SilenceInputError, no `code`); getHistory({ instance: 'typo' }) returned an empty series where history/ answers a
// 400. Oracle: README "a bad name or option throws a SysvitalsError with a stable code" (ERR_SYSVITALS_INVALID_OPTION),
// and history/'s own rule for `instance` (this one, 'all', or one with history in the store for the period).

import { afterEach, describe, expect, it } from 'vitest';
import { RemoteError } from '../../src/cluster/peer.js';
import { ClusterSource } from '../../src/cluster/source.js';
import { SysvitalsError } from '../../src/errors.js';
import { silentLogger } from '../../src/logger.js';
import { createMonitor, type SystemMonitor } from '../../src/monitor.js';
import { MemoryStore } from '../../src/stores/memory.js';
import { flatPoint } from '../helpers/history-points.js';

const NOW = Date.UTC(2026, 11, 7, 4, 0, 0);
const closers: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const c of closers.splice(0)) await c();
});

function monitorWith(store = new MemoryStore({ clock: { now: () => NOW } })): SystemMonitor {
  const m = createMonitor({
    store,
    instanceId: 'web-1',
    sampleIntervalMs: 0,
    clock: () => NOW,
    logger: silentLogger,
  });
  closers.push(() => m.close());
  return m;
}

/** The error `f` throws or rejects with. */
async function caught(f: () => unknown): Promise<unknown> {
  try {
    await f();
  } catch (err) {
    return err;
  }
  throw new Error('did not throw');
}

function expectInvalidOption(err: unknown, message: RegExp): void {
  expect(err).toBeInstanceOf(SysvitalsError);
  expect((err as SysvitalsError).code).toBe('ERR_SYSVITALS_INVALID_OPTION');
  expect((err as Error).message).toMatch(message);
}

/** Two routes recorded, so a sort has something to compare. */
function withTwoRoutes(m: SystemMonitor): SystemMonitor {
  m.recordRequest({ method: 'GET', route: '/a', status: 200, durationMs: 5 });
  m.recordRequest({ method: 'GET', route: '/b', status: 200, durationMs: 9 });
  return m;
}

describe('getHistory: an undocumented period or an unknown instance throws ERR_SYSVITALS_INVALID_OPTION', () => {
  it('period "2h": coded, naming the periods', async () => {
    const err = await caught(() => monitorWith().getHistory({ period: '2h' as never }));
    expectInvalidOption(err, /`period` must be one of 1h, 24h, 7d \(got "2h"\)/);
  });

  it('a typo’d instance: coded, naming the instances with history (not an empty series)', async () => {
    const store = new MemoryStore({ clock: { now: () => NOW } });
    await store.appendPoint('web-2', flatPoint(NOW - 10 * 60_000, 5)); // another instance sharing the store
    const m = monitorWith(store);
    const err = await caught(() => m.getHistory({ instance: 'web-3' }));
    expectInvalidOption(err, /"web-3" is not this monitor's instance .*known: "all", "web-1", "web-2"$/);
    // The known ones still read: this one (empty so far), the other instance's history, the fleet view.
    expect((await m.getHistory({ instance: 'web-1' })).points).toHaveLength(0);
    expect((await m.getHistory({ instance: 'web-2' })).points.length).toBeGreaterThan(0);
    expect((await m.getHistory({ instance: 'all' })).instances).toEqual(['web-2']);
  });
});

describe('endpoints: an unknown sort is the same coded error in one process and in cluster mode', () => {
  it('monitor.endpoints("count", 10) with rows to sort: coded, naming the sorts', async () => {
    const err = await caught(() => withTwoRoutes(monitorWith()).endpoints('count' as never, 10));
    expectInvalidOption(
      err,
      /`sort` must be one of p95, rate, errors, time, apdex, in_flight \(got "count"\)/,
    );
    expectInvalidOption(
      await caught(() => monitorWith().endpoints('rate', -1)),
      /`limit` must be a whole number/,
    );
  });

  it('clusterSource.endpoints("count", 10): the same rejection, not "k is not a function"', async () => {
    const own = withTwoRoutes(monitorWith());
    const asked: unknown[] = [];
    const agent = {
      config: { name: 'c', workerLabel: false },
      subscribe() {},
      // No aggregator: the source answers from this worker alone (as in the review's run).
      ask: async (q: unknown) => {
        asked.push(q);
        throw new RemoteError('unavailable', 'no cluster aggregator is reachable');
      },
    };
    const source = new ClusterSource(agent as never, own as never, {
      logger: silentLogger,
      clock: Date,
      instanceId: 'host:c',
      probe: () => ({ ok: true }) as never,
      notifications: () => ({}) as never,
    });
    const err = await caught(() => source.endpoints('count' as never, 10));
    expectInvalidOption(
      err,
      /`sort` must be one of p95, rate, errors, time, apdex, in_flight \(got "count"\)/,
    );
    expectInvalidOption(await caught(() => source.endpoints('time', 5000)), /from 1 to 1000 \(got 5000\)/);
    expect(asked).toEqual([]); // refused before any question is sent
    // A documented sort still answers (from this worker alone), both routes in it.
    const ok = (await source.endpoints('time', 10)) as { routes: Array<{ route: string }> };
    expect(ok.routes.map((r) => r.route).sort()).toEqual(['/a', '/b']);
    // null is the default (time, 100) as in monitor.endpoints() (RT35-7); a string limit is shown as one.
    const dflt = (await source.endpoints(null as never, null as never)) as {
      routes: Array<{ route: string }>;
    };
    expect(dflt.routes.map((r) => r.route)).toEqual(['/b', '/a']);
    expectInvalidOption(
      await caught(() => source.endpoints('time', '10' as never)),
      /\(got "10", a string\)$/,
    );
  });
});

describe('endpoints: null means the default; a refused value is shown with its type (outside review 35, RT35-7)', () => {
  it('a numeric string limit is refused, shown quoted as a string (not as the number asked for)', async () => {
    const m = withTwoRoutes(monitorWith());
    expectInvalidOption(
      await caught(() => m.endpoints('p95', '10' as never)),
      /`limit` must be a whole number of 1 or more \(got "10", a string\)$/,
    );
    expectInvalidOption(await caught(() => m.endpoints('p95', true as never)), /\(got true, a boolean\)$/);
    expectInvalidOption(await caught(() => m.endpoints({} as never)), /\(got an object\)$/);
    expectInvalidOption(await caught(() => m.endpoints('p95', 2.5)), /\(got 2\.5\)$/);
  });

  it('endpoints(null) and endpoints(null, null) are the defaults (time, 100), as getHistory(null) is', async () => {
    const m = withTwoRoutes(monitorWith());
    // README: sort defaults to time, limit to 100; getHistory(null) reads the default period.
    expect((await m.getHistory(null as never)).period).toBe('1h');
    const byDefault = m.endpoints();
    expect(m.endpoints(null as never)).toEqual(byDefault);
    expect(m.endpoints(null as never, null as never)).toEqual(byDefault);
    expect(m.endpoints('time', null as never)).toEqual(m.endpoints('time', 100));
    // Time sort, worst first: /b (9 ms) before /a (5 ms).
    expect(byDefault.routes.map((r) => r.route)).toEqual(['/b', '/a']);
  });
});

describe('recordRequest and silences', () => {
  it('recordRequest(null) records nothing and does not throw (hot path: never throws)', async () => {
    const m = withTwoRoutes(monitorWith());
    expect(() => m.recordRequest(null as never)).not.toThrow();
    expect(() => m.recordRequest(undefined as never)).not.toThrow();
    const rows = m.endpoints('time', 10).routes;
    expect(rows.reduce((a, r) => a + r.count, 0)).toBe(2);
  });

  it('a refused silence is a SysvitalsError with code ERR_SYSVITALS_INVALID_OPTION', async () => {
    const m = monitorWith();
    const err = await caught(() => m.notifications.silences.create({ rule: 5 } as never));
    expectInvalidOption(err, /rule must be a string of 1 to 100 characters/);
    expect((err as Error).name).toBe('SilenceInputError');
    expect(m.notifications.silences.list()).toEqual([]);
  });
});
