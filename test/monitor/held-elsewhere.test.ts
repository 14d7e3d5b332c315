// Regression (RT48-3, RTC-2 follow-up): two live processes under one instanceId on a RedisStore, both breaching one rule
// through a rolling deploy's overlap. Before, the waiting process B (A holds the instance's saved state) raised its own
// alert and paged it, so the one breach was paged twice, once per process; at the hand-over B's own id was cleared
// (its resolved notice sent too) and A's carried on. Now B does not give its channels an alert of the same rule and
// key that A's saved state has active at that severity or higher (docs/instance-id.md): it pages it only once A's
// saved state no longer has it, or after the hand-over if A's did not carry on. Two real monitors on a private
// redis-server with a webhook channel to one real HTTP receiver (both processes' receiver, as in a deploy); the
// oracle is what the receiver got, per alert id, by the webhook's published `status`.

import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Alert } from '../../src/alerts/alert.js';
import { HeldElsewhere } from '../../src/monitor/held-elsewhere.js';
import type { SystemMonitor } from '../../src/monitor.js';
import { RedisStore } from '../../src/stores/redis.js';
import type { MetricsStore } from '../../src/stores/store.js';
import { type Receiver, startReceiver } from '../channels/receiver.js';
import { type RedisServer, requireRedis, startRedis } from '../helpers/redis-server.js';
import { type Run, startRun, stateLoaded } from '../helpers/restarted-monitor.js';

const T0 = Date.UTC(2026, 0, 5, 0, 0, 0);
const MINUTE = 60_000;
const ID = 'web-1';

/** `n` requests of `status`, then the clock 30 s on and a sample. */
async function traffic(p: Run, n: number, status: number): Promise<void> {
  for (let i = 0; i < n; i++) p.m.recordRequest({ method: 'GET', route: '/r', status, durationMs: 3 });
  p.clock.t += 30_000;
  await p.m.sample();
}

async function minute(p: Run): Promise<void> {
  p.clock.t += MINUTE;
  await p.m.flush();
}

const active = async (m: SystemMonitor) => (await m.getAlerts()).map((a) => a.id);
/** How many times the process read the holder's saved alerts (held-elsewhere.ts); undefined without the hold. */
const holderReads = (m: SystemMonitor) =>
  (m as unknown as { parts: { history: { watch: { heldElsewhere?: { reads: number } } } } }).parts.history
    .watch.heldElsewhere?.reads;

describe.skipIf(!requireRedis())(
  'one breach through a deploy overlap under one instanceId pages once',
  () => {
    let server: RedisServer;
    let rx: Receiver;
    let redis: Redis;
    let n = 0;
    beforeAll(async () => {
      server = await startRedis();
      redis = new Redis(server.url);
      rx = await startReceiver();
    });
    afterAll(async () => {
      redis?.disconnect();
      await rx?.close();
      await server?.stop();
    });

    /** What the receiver got about each alert id, in order ('firing' / 'resolved'), from `from` on. */
    const told = (from: number) => {
      const out: Record<string, string[]> = {};
      for (const r of rx.received.slice(from)) {
        const body = r.json as { status: string; alerts: Array<{ id: string }> };
        for (const a of body.alerts) out[a.id] = [...(out[a.id] ?? []), body.status];
      }
      return out;
    };
    const start = (prefix: string, t: number) =>
      startRun(server.url, prefix, t, {
        instanceId: ID,
        rules: ['error_rate'],
        options: {
          channels: [{ type: 'webhook', name: 'hook', url: `${rx.origin}/hook`, retries: 0 }],
          routing: { groupWaitMs: 0 },
        },
      });
    /** B's start-up claim ran (the writers' set holds both) and, with the hold, it read A's saved alerts. */
    const waiting = (p: string, b: Run) =>
      expect
        .poll(async () => (await redis.zcard(`{${p}}:writers:${ID}`)) === 2 && (holderReads(b.m) ?? 1) > 0, {
          timeout: 5000,
        })
        .toBe(true);
    const idle = (...ps: Run[]) => Promise.all(ps.map((p) => p.m.notifications.idle()));
    /** A holds the state and pages its alert; B starts while A runs and has read A's saved alerts. */
    async function overlap() {
      const p = `held-elsewhere:${process.pid}:${n++}`;
      const from = rx.received.length;
      const a = start(p, T0);
      await expect.poll(() => stateLoaded(a.m), { timeout: 5000 }).toBe(true);
      await traffic(a, 30, 503);
      const [idA] = await active(a.m);
      await expect.poll(() => a.m.notifications.exportDeliveries().map((d) => d.alert)).toEqual([idA]);
      const store = new RedisStore({ url: server.url, prefix: p, instanceId: ID, logger: console });
      await expect
        .poll(() => store.loadState(ID, 'alert-notifications').then((s) => s?.includes(idA!)))
        .toBe(true);
      await store.close();
      const b = start(p, T0 + MINUTE);
      await waiting(p, b);
      expect(stateLoaded(b.m)).toBe(false);
      return { a, b, idA: idA!, from };
    }

    it("B's alert of the breach A already paged is not paged; A's carries on at the hand-over and is resolved once", async () => {
      const { a, b, idA, from } = await overlap();
      await traffic(b, 30, 503); // B breaches too, while A holds the state
      const [idB] = await active(b.m);
      expect(idB).not.toBe(idA);
      await idle(a, b);
      // Before the fix: { [idA]: ['firing'], [idB]: ['firing'] }: the one breach paged twice.
      expect(told(from)).toEqual({ [idA]: ['firing'] });

      await a.m.close(); // the end of the deploy: A's alert still active, saved with its delivery
      await minute(b);
      await expect.poll(() => stateLoaded(b.m), { timeout: 5000 }).toBe(true);
      expect(await active(b.m)).toEqual([idA]);
      await traffic(b, 30, 503); // still breached: no page
      await traffic(b, 100, 200); // healthy: A's id resolved, by B
      await idle(b);
      // Before the fix: idB also got 'resolved' at the hand-over.
      expect(told(from)).toEqual({ [idA]: ['firing', 'resolved'] });
      await b.m.close();
    });

    it("once A's saved state no longer has the alert (A recovered), B's still breaching alert is paged at B's next claim", async () => {
      const { a, b, idA, from } = await overlap();
      await traffic(b, 30, 503);
      const [idB] = await active(b.m);
      await idle(a, b);
      expect(told(from)).toEqual({ [idA]: ['firing'] });
      await traffic(a, 100, 200); // A recovers: resolved, its saved active alerts now none
      await expect.poll(() => active(a.m)).toEqual([]);
      const reads = holderReads(b.m) ?? 0;
      await minute(b); // B's claim reads A's saved alerts again
      await expect.poll(() => holderReads(b.m) ?? 0, { timeout: 5000 }).toBeGreaterThan(reads);
      await idle(a, b);
      expect(told(from)).toEqual({ [idA]: ['firing', 'resolved'], [idB!]: ['firing'] });
      await a.m.close();
      await b.m.close();
    });

    it('a breach of B alone (A healthy) is paged at once', async () => {
      const p = `held-elsewhere:${process.pid}:${n++}`;
      const from = rx.received.length;
      const a = start(p, T0);
      await expect.poll(() => stateLoaded(a.m), { timeout: 5000 }).toBe(true);
      const b = start(p, T0 + MINUTE);
      await waiting(p, b);
      await traffic(b, 30, 503);
      const [idB] = await active(b.m);
      await idle(a, b);
      expect(told(from)).toEqual({ [idB!]: ['firing'] });
      await a.m.close();
      await b.m.close();
    });
  },
);

describe('HeldElsewhere: which events reach the channels (the holder saved `error_rate` at warning)', () => {
  const alert = (id: string, severity: 'warning' | 'critical') =>
    ({ id, rule: 'error_rate', severity }) as unknown as Alert;
  async function hold(active: Alert[]) {
    const sent: string[] = [];
    const h = new HeldElsewhere({
      notify: (e) => sent.push(`${e.type}:${e.alert.id}:${e.alert.severity}`),
      keyOf: () => '',
      active: () => active,
    });
    const saved = JSON.stringify([{ key: 'error_rate\u0000', alert: { id: 'A', severity: 'warning' } }]);
    await h.refresh({ loadState: async () => saved } as unknown as MetricsStore, ID);
    return { h, sent };
  }

  it('a warning is held back; its escalation past the holder is paged at once, as firing; its clear is then sent', async () => {
    const { h, sent } = await hold([]);
    h.event({ type: 'raised', alert: alert('B', 'warning') });
    expect(sent).toEqual([]);
    h.event({ type: 'escalated', alert: alert('B', 'critical') });
    expect(sent).toEqual(['raised:B:critical']);
    h.event({ type: 'deescalated', alert: alert('B', 'warning') }); // already the channels': theirs from here
    h.event({ type: 'cleared', alert: alert('B', 'warning') });
    expect(sent).toEqual(['raised:B:critical', 'deescalated:B:warning', 'cleared:B:warning']);
  });

  it('a held-back alert that clears sends nothing; one still active is paged once the holder no longer has it', async () => {
    const still = alert('C', 'warning');
    const { h, sent } = await hold([still]);
    h.event({ type: 'raised', alert: alert('B', 'warning') });
    h.event({ type: 'cleared', alert: alert('B', 'warning') });
    h.event({ type: 'raised', alert: still });
    expect(sent).toEqual([]);
    await h.refresh({ loadState: async () => '[]' } as unknown as MetricsStore, ID);
    expect(sent).toEqual(['raised:C:warning']);
  });

  it('taking the role: withheld alerts go to the channels after the restore, or at once when it restored before', async () => {
    const b = alert('B', 'warning');
    const { h, sent } = await hold([b]);
    h.event({ type: 'raised', alert: b });
    h.forget(); // the hand-over's claim: the restore is still to come (B may carry on under the holder's id)
    expect(sent).toEqual([]);
    h.restored(); // the holder's saved alert did not carry B on: B is paged now
    expect(sent).toEqual(['raised:B:warning']);

    const c = alert('C', 'warning');
    const second = await hold([c]);
    second.h.restored(); // it held the role and restored the state once
    await second.h.refresh(
      {
        loadState: async () =>
          JSON.stringify([{ key: 'error_rate\u0000', alert: { id: 'A', severity: 'warning' } }]),
      } as unknown as MetricsStore,
      ID,
    ); // lost the role
    second.h.event({ type: 'raised', alert: c });
    expect(second.sent).toEqual([]);
    second.h.forget(); // took it back: nothing to restore again
    expect(second.sent).toEqual(['raised:C:warning']);
  });
});
