// Issue #13 (one run in five of window-hold.test.ts saw a second 'raised'): does a successor send the alert
// webhook's `raised` again once its receiver accepted it? The aggregator's ledger owes each event from its
// queueing until the aggregator has read the receiver's 2xx; the successor sends what the ledger owes, and
// nothing else. A kill inside that window (the request, or its 2xx, on the wire) makes the successor send the
// same event again, byte for byte: at least once, as README "Alerts across a takeover" says. In process: two
// aggregators on one injected clock (the second replaces the first as a hung one, seize.ts: everything the first
// does afterwards is fenced, as if it had been killed), real sockets and ledger in a private directory, a real
// HTTP receiver whose answers the test holds or gives. The oracle: the bodies the receiver got.
// And a kill right after the first ledger write of an evaluation: that ledger owes each event of the evaluation
// (the engine once ran its listeners, so that write, before it queued the webhook's events: a lost `raised`).

import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { AlertEvent } from '../../src/alerts/alert.js';
import { Aggregator } from '../../src/cluster/aggregator.js';
import type { AggregatorOptions } from '../../src/cluster/cluster-monitor.js';
import { type ClusterEndpoint, clusterEndpoint } from '../../src/cluster/endpoint.js';
import { readLedger } from '../../src/cluster/ledger.js';
import { silentLogger } from '../../src/logger.js';
import { SystemMonitor } from '../../src/monitor.js';
import type { MetricsSnapshot } from '../../src/types.js';
import { makeSnapshot, type TestClock, testClock } from '../alerts/snapshot.js';

/** The hold's length with the default request window (window-hold.ts). */
const HOLD_MS = 45_000;

/** A receiver that keeps each body as sent, and what the ledger owed as it arrived; answers 200, or when told. */
async function receiver(ledgerPath: string, hold: (n: number) => boolean) {
  const bodies: string[] = [];
  /** The ledger's owed webhook events as each request arrived: what a SIGKILL at that instant leaves. */
  const owedAtArrival: string[][] = [];
  const held: ServerResponse[] = [];
  const waiters: Array<{ count: number; resolve: () => void }> = [];
  const server = createServer((req, res) => {
    let data = '';
    req.on('data', (chunk) => {
      data += chunk;
    });
    req.on('end', () => {
      bodies.push(data);
      owedAtArrival.push(owed(ledgerPath));
      for (const w of waiters.filter((w) => bodies.length >= w.count)) w.resolve();
      if (hold(bodies.length)) held.push(res);
      else res.end('ok');
    });
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`,
    bodies,
    owedAtArrival,
    /** [type, alert id] of each body received. */
    events: () => bodies.map((b) => JSON.parse(b) as AlertEvent).map((e) => [e.type, e.alert.id]),
    arrived: (count: number) =>
      bodies.length >= count
        ? Promise.resolve()
        : new Promise<void>((resolve) => waiters.push({ count, resolve })),
    /** Answers the held requests 200 (the receiver accepts them). */
    release: () => {
      for (const res of held.splice(0)) res.end('ok');
    },
  };
}

/** The webhook events the ledger at `path` owes, as `type:id`. */
function owed(path: string): string[] {
  return (readLedger(path).pending?.webhook ?? []).map((e) => `${e.type}:${e.alert.id}`);
}

/** An in-process aggregator on `clock` with the alert webhook to `url` (no retry: one attempt per event). */
function inProcess(
  ep: ClusterEndpoint,
  clock: TestClock,
  id: string,
  monitors: SystemMonitor[],
  url: string,
): AggregatorOptions {
  return {
    name: 'hook',
    endpoint: ep,
    syncTimeoutMs: 100,
    retireAfterMs: 60_000,
    logger: silentLogger,
    now: clock.now,
    createMonitor: () => {
      const m = new SystemMonitor({
        sampleIntervalMs: 0,
        logger: silentLogger,
        clock,
        webhook: { url, retries: 0 },
      });
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

const alertSystem = (agg: Aggregator) => (agg.monitor as unknown as SystemMonitor).alertSystem;
/** A cluster snapshot of `agg` with the error rate at `percent` (the default warning is 5 %), and the memory used. */
const snapshot = (agg: Aggregator, percent: number, memoryPercent = 25): MetricsSnapshot => ({
  ...makeSnapshot({ errors: { error_rate_percent: percent }, memory: { used_percent: memoryPercent } }),
  cluster: agg.summary(),
});

const servers: Server[] = [];
let root: string;
let monitors: SystemMonitor[];
let aggregators: Aggregator[];
beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'sv-hook-'));
  monitors = [];
  aggregators = [];
});
afterEach(async () => {
  // The successor closes, the replaced one steps down (as window-hold.test.ts).
  const [first, ...successors] = aggregators;
  for (const a of successors) await a.close();
  if (first) await (successors.length > 0 ? first.stepDown() : first.close());
  for (const m of monitors) await m.close();
  await Promise.all(
    servers.splice(0).map(
      (s) =>
        new Promise<void>((resolve) => {
          s.closeAllConnections();
          s.close(() => resolve());
        }),
    ),
  );
  rmSync(root, { recursive: true, force: true });
});

async function start(name: string, hold: (n: number) => boolean = () => false) {
  const clock = testClock();
  const ep = clusterEndpoint(`${name}-${process.pid}`, join(root, 'sock'));
  const r = await receiver(ep.ledgerPath, hold);
  const lead = async (id: string, hungIno?: number, url = r.url) => {
    const agg = (await Aggregator.lead(inProcess(ep, clock, id, monitors, url), hungIno)) as Aggregator;
    expect(agg).not.toBeNull();
    aggregators.push(agg);
    return agg;
  };
  return { clock, ep, r, lead };
}

describe('the alert webhook across a takeover: what the receiver accepted is not sent again', () => {
  it('a `raised` whose 200 the aggregator read is owed by no ledger: the successor sends nothing of it, through the hold and after, then one `cleared`', async () => {
    const { clock, ep, r, lead } = await start('acked');
    const old = await lead('old');
    const [alert] = alertSystem(old).checkThresholds(snapshot(old, 7.5));
    expect(alert?.rule).toBe('error_rate');
    const id = (alert as { id: string }).id;
    // Resolves once the 200 is read (and the ledger written: its listener runs in the same turn).
    await alertSystem(old).flush();
    expect(r.events()).toEqual([['raised', id]]);
    // A kill while the request was on its way would have left it owed (the at-least-once window)...
    expect(r.owedAtArrival).toEqual([[`raised:${id}`]]);
    // ...a kill once the 200 was read leaves nothing owed.
    expect(owed(ep.ledgerPath)).toEqual([]);

    clock.advance(5000);
    const next = await lead('next', old.tenure.lockIno);
    const takeover = clock.now();
    const system = alertSystem(next);
    expect(system.getActiveAlerts().map((a) => a.id)).toEqual([id]);
    // Through the hold (the window lacks the old aggregator's share) and after it, the breach goes on: kept.
    for (const ms of [0, 20_000, HOLD_MS - 1, HOLD_MS, HOLD_MS + 5000]) {
      clock.set(takeover + ms);
      expect(
        system.checkThresholds(snapshot(next, 7.5)).map((a) => a.id),
        `+${ms} ms`,
      ).toEqual([id]);
    }
    await system.flush();
    expect(r.events()).toEqual([['raised', id]]);
    // The breach ends: one `cleared`, same id.
    clock.advance(1000);
    expect(system.checkThresholds(snapshot(next, 0))).toEqual([]);
    await system.flush();
    expect(r.events()).toEqual([
      ['raised', id],
      ['cleared', id],
    ]);
    expect(owed(ep.ledgerPath)).toEqual([]);
  });

  it('killed before it read the 200 (the request or its answer on the wire): the successor sends the same body again, once', async () => {
    // The receiver takes the first request and holds its answer: the aggregator is replaced meanwhile.
    const { clock, ep, r, lead } = await start('wire', (n) => n === 1);
    const old = await lead('old');
    const [alert] = alertSystem(old).checkThresholds(snapshot(old, 7.5));
    const id = (alert as { id: string }).id;
    await r.arrived(1);
    expect(owed(ep.ledgerPath)).toEqual([`raised:${id}`]);

    clock.advance(5000);
    const next = await lead('next', old.tenure.lockIno);
    await r.arrived(2);
    // The receiver accepts both; the replaced aggregator's reading of its 200 writes nothing (fenced).
    r.release();
    await Promise.all([alertSystem(old).flush(), alertSystem(next).flush()]);
    expect(r.events()).toEqual([
      ['raised', id],
      ['raised', id],
    ]);
    // The same bytes: a receiver deduplicates on the body, or on (type, alert.id), which a `raised` or a
    // `cleared` has once per alert.
    expect(r.bodies[1]).toBe(r.bodies[0]);
    expect(owed(ep.ledgerPath)).toEqual([]);
    expect(readLedger(ep.ledgerPath).alerts.map((a) => a.alert.id)).toEqual([id]);
  });
});

/**
 * Runs `work` on `agg` and kills the aggregator right after the first ledger write `work` makes, as a SIGKILL
 * there would: the role is lost at once (fenced), so nothing more is written, evaluated or sent. Returns the
 * ledger that write left, which is what a successor reads.
 */
function killAfterFirstWrite(agg: Aggregator, ledgerPath: string, work: () => void): string {
  const before = readFileSync(ledgerPath, 'utf8');
  const save = agg.saveLedger.bind(agg);
  let left: string | undefined;
  agg.saveLedger = (handover) => {
    save(handover);
    const text = readFileSync(ledgerPath, 'utf8');
    if (left === undefined && text !== before) {
      left = text;
      agg.tenure.depose();
    }
  };
  work();
  expect(left, 'the evaluation wrote the ledger').toBeDefined();
  expect(readFileSync(ledgerPath, 'utf8'), 'nothing written after the kill').toBe(left);
  return left as string;
}

describe('the alert webhook across a kill right after the first ledger write of an evaluation', () => {
  // The dead aggregator posts to `dead`, its successor to `r`: what `r` gets is what the successor sent.
  it('two alerts raised in one evaluation: the ledger that write left owes both `raised`, and the successor sends them, then one `cleared` each', async () => {
    const { clock, ep, r, lead } = await start('raise');
    const dead = await receiver(ep.ledgerPath, () => false);
    const old = await lead('old', undefined, dead.url);
    let raised: string[] = [];
    const left = killAfterFirstWrite(old, ep.ledgerPath, () => {
      raised = alertSystem(old)
        .checkThresholds(snapshot(old, 7.5, 90))
        .map((a) => a.id);
    });
    expect(raised).toHaveLength(2);
    const ledger = JSON.parse(left) as { alerts: Array<{ alert: { id: string } }> };
    expect(ledger.alerts.map((a) => a.alert.id).sort()).toEqual([...raised].sort());

    clock.advance(5000);
    const next = await lead('next', old.tenure.lockIno);
    const takeover = clock.now();
    const system = alertSystem(next);
    expect(system.getActiveAlerts().map((a) => a.id)).toEqual(raised);
    for (const ms of [0, HOLD_MS, HOLD_MS + 5000]) {
      clock.set(takeover + ms);
      expect(system.checkThresholds(snapshot(next, 7.5, 90)).map((a) => a.id)).toEqual(raised);
    }
    await system.flush();
    // Each alert active in the ledger was raised to the receiver once (never by the dead aggregator: killed).
    expect(r.events().sort()).toEqual(raised.map((id) => ['raised', id]).sort());
    clock.advance(1000);
    expect(system.checkThresholds(snapshot(next, 0, 25))).toEqual([]);
    await system.flush();
    const events = r.events();
    for (const id of raised) {
      expect(
        events.filter(([, a]) => a === id).map(([type]) => type),
        id,
      ).toEqual(['raised', 'cleared']);
    }
    expect(owed(ep.ledgerPath)).toEqual([]);
  });

  it('an accepted alert cleared: the ledger that write left owes its `cleared`, and the successor sends it', async () => {
    const { clock, ep, r, lead } = await start('clear');
    const dead = await receiver(ep.ledgerPath, () => false);
    const old = await lead('old', undefined, dead.url);
    const [alert] = alertSystem(old).checkThresholds(snapshot(old, 7.5));
    const id = (alert as { id: string }).id;
    await alertSystem(old).flush();
    expect(dead.events()).toEqual([['raised', id]]);
    expect(owed(ep.ledgerPath)).toEqual([]);

    clock.advance(1000);
    killAfterFirstWrite(old, ep.ledgerPath, () => {
      expect(alertSystem(old).checkThresholds(snapshot(old, 0))).toEqual([]);
    });
    clock.advance(5000);
    const next = await lead('next', old.tenure.lockIno);
    const system = alertSystem(next);
    expect(system.getActiveAlerts()).toEqual([]);
    clock.advance(1000);
    expect(system.checkThresholds(snapshot(next, 0))).toEqual([]);
    await system.flush();
    expect(r.events()).toEqual([['cleared', id]]);
    expect(owed(ep.ledgerPath)).toEqual([]);
  });
});
