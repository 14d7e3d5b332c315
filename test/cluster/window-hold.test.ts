// Outside review F8 (issue #13): after the aggregator is SIGKILLed, its successor's last-minute window is the
// survivors' share alone (`missing: ['aggregator-window']`), and error_rate was judged on it: a page the cluster
// never had was raised (the errors were the survivors'), a true one cleared (they were the dead aggregator's).
// Now the rules on windowed figures hold their state for a bounded time from the takeover (45 s by default:
// window-hold.ts). Real node:cluster processes, two workers, no respawn; the oracle is every request the workers
// logged. Each metrics/ read is a fresh snapshot the cluster's alert rules were evaluated on. The engine-level
// cases (the bound, the end of the hold, a breach during it): test/alerts/window-hold.test.ts.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Aggregator } from '../../src/cluster/aggregator.js';
import type { AggregatorOptions } from '../../src/cluster/cluster-monitor.js';
import { type ClusterEndpoint, clusterEndpoint } from '../../src/cluster/endpoint.js';
import { silentLogger } from '../../src/logger.js';
import { SystemMonitor } from '../../src/monitor.js';
import type { MetricsSnapshot } from '../../src/types.js';
import { makeSnapshot, type TestClock, testClock } from '../alerts/snapshot.js';
import {
  aggregatorPid,
  BASE,
  get,
  getJson,
  HOST_RULES_OFF,
  killAggregator,
  type LoggedRequest,
  ledgerOf,
  metricsOf as metrics,
  until,
  untilLogged,
  useCluster,
} from './helpers.js';

const WARNING = 30;
/** The hold's length with the default request window (60 s, four 15 s latency sub-windows). */
const HOLD_MS = 45_000;
/**
 * The no-false-clear case's request window, 16 s (REQUEST_WINDOW_MS in the fixture, the monitor's requestWindowMs),
 * and so its hold: 3/4 of it (four sub-windows), 12 s. It waits through the whole hold for the clear; the default's
 * 45 s is checked above on the injected clock (the same Aggregator, a monitor on the default window) and by the
 * no-false-raise case on real processes (its reads within the default hold are held). 12 s, not less: its reads
 * after the kill must come within the hold (a takeover took 2-5 s at load 30); 24 s before 7 December.
 */
const CLEAR_WINDOW_MS = 16_000;
const CLEAR_HOLD_MS = 12_000;
type Hook = { type: string; alert: { id: string; rule: string; cleared_at: string | null } };

const env = (url: string) => ({
  WEBHOOK: url,
  SAMPLE_MS: '300',
  ALERTS: JSON.stringify({
    error_rate: { warning: WARNING, critical: 90, minRequests: 10 },
    ...HOST_RULES_OFF,
  }),
});

/** Error rate (%) of logged requests: 5xx over all, as the window computes it. */
const rate = (rs: LoggedRequest[]) => (rs.filter((r) => r.status >= 500).length / rs.length) * 100;

/** `n` requests to `path`, 10 at a time. */
async function send(port: number, path: string, n: number): Promise<void> {
  for (let i = 0; i < n; i += 10) await Promise.all(Array.from({ length: 10 }, () => get(port, path)));
}

const errorRateAlerts = async (port: number) =>
  (await getJson(port, `${BASE}/alerts`)).data.data.alerts.filter(
    (a: { rule: string }) => a.rule === 'error_rate',
  );

/** An in-process aggregator on `clock` (real sockets and ledger in a private directory), as fencing.test.ts. */
function inProcess(
  ep: ClusterEndpoint,
  clock: TestClock,
  id: string,
  monitors: SystemMonitor[],
): AggregatorOptions {
  return {
    name: 'hold',
    endpoint: ep,
    syncTimeoutMs: 100,
    retireAfterMs: 60_000,
    logger: silentLogger,
    now: clock.now,
    createMonitor: () => {
      const m = new SystemMonitor({ sampleIntervalMs: 0, logger: silentLogger, clock });
      monitors.push(m);
      return m as never;
    },
    self: {
      id,
      pid: process.pid,
      startedAt: 1,
      take: () => ({ report: { r: [], f: [] } }),
      process: () => null,
      answerSelf: async () => ({}),
    },
  };
}

describe("a takeover holds the successor's windowed rules for 45 s on its clock, whatever the marker says", () => {
  // A cluster snapshot with an error_rate breach (7.5 % over the 5 % default) and the successor's own summary.
  const judge = (agg: Aggregator) => {
    const s: MetricsSnapshot = {
      ...makeSnapshot({ errors: { error_rate_percent: 7.5 } }),
      cluster: agg.summary(),
    };
    return { missing: s.cluster?.missing, s };
  };

  it('taking over from a hung aggregator: nothing raised on the partial window until 45 s, then raised while still marked', async () => {
    const root = mkdtempSync(join(tmpdir(), 'sv-hold-'));
    const clock = testClock();
    const ep = clusterEndpoint(`hold-${process.pid}`, join(root, 'sock'));
    const monitors: SystemMonitor[] = [];
    const old = (await Aggregator.lead(inProcess(ep, clock, 'old', monitors))) as Aggregator;
    // Replaced while it does not answer (seize.ts): its ledger is seconds old, its window's share lost.
    clock.advance(5000);
    const next = (await Aggregator.lead(
      inProcess(ep, clock, 'next', monitors),
      old.tenure.lockIno,
    )) as Aggregator;
    const system = (next.monitor as unknown as SystemMonitor).alertSystem;
    const takeover = clock.now();
    try {
      expect(next).not.toBeNull();
      for (const ms of [0, 1000, 20_000, HOLD_MS - 1]) {
        clock.set(takeover + ms);
        const { missing, s } = judge(next);
        expect(missing).toContain('aggregator-window');
        expect(system.checkThresholds(s), `+${ms} ms`).toEqual([]);
      }
      // 45 s after the takeover: still marked (the marker lasts a window, 60 s), judged all the same.
      clock.set(takeover + HOLD_MS);
      const { missing, s } = judge(next);
      expect(missing).toContain('aggregator-window');
      expect(system.checkThresholds(s).map((a) => a.rule)).toEqual(['error_rate']);
    } finally {
      await next.close();
      await old.stepDown();
      for (const m of monitors) await m.close();
      rmSync(root, { recursive: true, force: true });
    }
  });

  it('control: a ledger older than a window lost nothing of the window: no marker, no hold, judged at once', async () => {
    const root = mkdtempSync(join(tmpdir(), 'sv-hold-'));
    const clock = testClock();
    const ep = clusterEndpoint(`hold-old-${process.pid}`, join(root, 'sock'));
    const monitors: SystemMonitor[] = [];
    const old = (await Aggregator.lead(inProcess(ep, clock, 'old', monitors))) as Aggregator;
    clock.advance(61_000);
    const next = (await Aggregator.lead(
      inProcess(ep, clock, 'next', monitors),
      old.tenure.lockIno,
    )) as Aggregator;
    try {
      expect(next).not.toBeNull();
      const { missing, s } = judge(next);
      expect(missing).not.toContain('aggregator-window');
      const system = (next.monitor as unknown as SystemMonitor).alertSystem;
      expect(system.checkThresholds(s).map((a) => a.rule)).toEqual(['error_rate']);
    } finally {
      await next.close();
      await old.stepDown();
      for (const m of monitors) await m.close();
      rmSync(root, { recursive: true, force: true });
    }
  });
});

// The two node:cluster cases below run at the same time (describe.concurrent), each on its own cluster, receiver
// and scratch directory: the no-false-clear case spends most of its time waiting through the 45 s hold, which the
// no-false-raise case's load, kill and reads now overlap instead of running before it.
describe.concurrent("node:cluster takeover: no false raise on the survivors' share within the hold", () => {
  const c = useCluster<Hook>(env, 2);

  it("the survivor's errors alone breach; the cluster's window did not: nothing raised while the hold lasts", async () => {
    // 200s first, then a route that fails on the worker that is not the aggregator only (the rate only grows: the
    // cluster's never reaches the warning before the kill). node:cluster may hand the survivor more of the 200s than
    // half (28.6 % for it in 1 of 4 runs at load 1): more /role requests are sent, 10 at a time, until its rate is 5
    // points over the warning while the cluster's is 10 under it (10 more 500s keep it under; at most 60 more).
    await send(c.port, '/work?ms=1&status=200', 60);
    await send(c.port, '/role?agg=200&other=500', 40);
    let logged = await untilLogged(c.logDir, 100);
    const aggPid = aggregatorPid((await metrics(c.port)).cluster);
    const survivorsOf = (rs: LoggedRequest[]) => rs.filter((r) => r.pid !== aggPid);
    while (logged.length < 160 && rate(survivorsOf(logged)) < WARNING + 5 && rate(logged) < WARNING - 10) {
      await send(c.port, '/role?agg=200&other=500', 10);
      logged = await untilLogged(c.logDir, logged.length + 10);
    }
    const before = await metrics(c.port);
    expect(aggregatorPid(before.cluster)).toBe(aggPid);
    const survivors = survivorsOf(logged);
    // The premise, from the oracle: the cluster's rate under the warning, the survivor's share over it.
    expect(rate(logged)).toBeLessThan(WARNING);
    expect(rate(survivors)).toBeGreaterThanOrEqual(WARNING);
    expect(before.errors.error_rate_percent).toBeCloseTo(rate(logged), 1);
    expect(await errorRateAlerts(c.port)).toEqual([]);
    // While the reports were arriving, the aggregator may have judged a partial merge (the survivor's report merged
    // before its own requests: 32.8 %, raised then cleared, in 1 of 4 runs at load 19): its alert, not the takeover's.
    // The kill comes once its ledger owes the receiver no webhook event (a guard), so that every event sent before
    // it has arrived; an alert raised after it has another id.
    await until(async () => ledgerOf(c.dir).pending?.webhook === undefined);
    const beforeKill = new Set(c.hooks.received.map((e) => e.alert.id));

    const killedAt = Date.now();
    const after = await killAggregator(c.port, before.cluster, 'SIGKILL', 1, 30_000, (m) =>
      m.cluster.missing.includes('aggregator-window'),
    );
    // The successor's window is the survivor's share, over the warning: judged on it (a fresh snapshot each read).
    expect(after.errors.error_rate_percent).toBeCloseTo(rate(survivors), 1);
    expect(after.errors.error_rate_percent).toBeGreaterThanOrEqual(WARNING);
    const again = await metrics(c.port);
    expect(again.cluster.missing).toContain('aggregator-window');
    const alerts = await errorRateAlerts(c.port);
    // These reads were within the hold (it starts at the takeover, after the kill): the premise of the test.
    expect(Date.now() - killedAt).toBeLessThan(HOLD_MS);
    // No page for a breach the cluster did not have (was: error_rate warning raised on the first snapshot).
    expect(alerts).toEqual([]);
    const raised = c.hooks.received.filter((e) => e.type === 'raised' && e.alert.rule === 'error_rate');
    expect(raised.filter((e) => !beforeKill.has(e.alert.id))).toEqual([]);
  }, 180_000);
});

describe.concurrent("node:cluster takeover: no false clear on the survivors' share within the hold", () => {
  const c = useCluster<Hook>((url) => ({ ...env(url), REQUEST_WINDOW_MS: String(CLEAR_WINDOW_MS) }), 2);

  it("the errors were the dead aggregator's: its alert stays active through the hold, cleared once after it", async () => {
    // The aggregator fails, the other worker does not: about 40 % for the cluster, 0 % for the survivor. Under load
    // node:cluster hands a busy worker fewer connections (29 % in 2 of 5 runs at load 20): more are sent, at most
    // 120, until the rate the workers logged is 5 points over the warning.
    await send(c.port, '/work?ms=1&status=200', 20);
    let logged: LoggedRequest[] = [];
    for (let n = 80; logged.length < 220 && !(rate(logged) >= WARNING + 5); n = 20) {
      await send(c.port, '/role?agg=500&other=200', n);
      logged = await untilLogged(c.logDir, logged.length === 0 ? 100 : logged.length + n);
    }
    // A read merges every worker's requests first; the next sample (every 500 ms here: reads evaluate no rule) raises
    // the alert on the cluster's rate. While the reports were arriving, the rate may have crossed the levels more than
    // once (one worker's 500s merged before the other's 200s): an alert raised and cleared then is another alert, with
    // its own id.
    const before = await metrics(c.port);
    const survivors = logged.filter((r) => r.pid !== aggregatorPid(before.cluster));
    expect(rate(logged)).toBeGreaterThanOrEqual(WARNING);
    expect(rate(survivors)).toBe(0);
    const active = await until(async () => {
      const a = await errorRateAlerts(c.port);
      return a.length > 0 && a;
    });
    expect(active).toHaveLength(1);
    const id: string = active[0].id;
    await until(async () => c.hooks.received.some((e) => e.type === 'raised' && e.alert.id === id));
    // The kill comes once the aggregator has read the receiver's 200 too: its ledger owes no webhook event (a guard,
    // not a timing). Killed before that, with the request or its answer on the wire, its successor sends the same
    // event again (at least once: README Failure modes, test/cluster/webhook-takeover.test.ts): the second 'raised'
    // (same id) this test saw, killing as soon as the receiver had the raise, which the read above can trigger.
    await until(async () => ledgerOf(c.dir).pending?.webhook === undefined);

    const killedAt = Date.now();
    const after = await killAggregator(c.port, before.cluster, 'SIGKILL', 1, 30_000, (m) =>
      m.cluster.missing.includes('aggregator-window'),
    );
    // The successor's window reads 0 % (under the clear level), yet the alert holds, same id, nothing resolved.
    expect(after.errors.error_rate_percent).toBe(0);
    expect(after.requests.per_minute).toBeGreaterThanOrEqual(10);
    await metrics(c.port);
    const held = await errorRateAlerts(c.port);
    expect(Date.now() - killedAt).toBeLessThan(CLEAR_HOLD_MS);
    expect(held.map((a: { id: string }) => a.id)).toEqual([id]);
    expect(c.hooks.received.filter((e) => e.type === 'cleared' && e.alert.id === id)).toEqual([]);

    // Judged again once the hold is over (a guard, not a timing): cleared once, never before the hold's end. A
    // restored alert (the successor took it over) clears on a judged healthy window only, not on an empty one
    // (outside review 46, RT46-11; docs/cluster.md): the survivor serves requests after the hold, answered 200.
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, CLEAR_HOLD_MS - (Date.now() - killedAt))));
    const cleared = await until(async () => {
      const found = c.hooks.received.find((e) => e.type === 'cleared' && e.alert.id === id);
      if (found === undefined) await send(c.port, '/work?ms=1&status=200', 10);
      return found;
    }, 120_000);
    expect(Date.parse(cleared.alert.cleared_at as string) - killedAt).toBeGreaterThanOrEqual(CLEAR_HOLD_MS);
    // One 'raised' and one 'cleared' per alert: this one raised by the dead aggregator (its 200 read before the kill,
    // so not sent again) and cleared by the successor; any other raised and cleared before the read above.
    const seen = JSON.stringify(c.hooks.received.map((e) => [e.type, e.alert.rule, e.alert.id]));
    const events = new Map<string, string[]>();
    for (const e of c.hooks.received.filter((e) => e.alert.rule === 'error_rate'))
      events.set(e.alert.id, [...(events.get(e.alert.id) ?? []), e.type]);
    expect(events.get(id), seen).toEqual(['raised', 'cleared']);
    for (const types of events.values()) expect(types, seen).toEqual(['raised', 'cleared']);
  }, 240_000);
});
