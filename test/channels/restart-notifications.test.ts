// Regression (outside review F7, F7b): a restart (a deploy) with a persistent store and the same instanceId
// restores the active alerts under their ids, and now also what each channel's receiver got of them. Before,
// the restored alert was one no channel had been told of: when it cleared in the new process no receiver got a
// resolved notice (PagerDuty's incident, the webhook's and Slack's "firing" left open forever), and one still
// firing was never re-sent, so Alertmanager resolved it on its own 4 minutes after each deploy.
// Real: a private redis-server, RedisStore, three channels POSTing to a real HTTP receiver. The oracle is the
// receivers' own log: what each got, per alert id, against the published payload semantics (PagerDuty Events
// v2 `event_action` trigger/resolve by `dedup_key`; Alertmanager's v2 API: `endsAt` in the future while firing,
// at or before the time of sending when resolved; the webhook's `status`).

import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createMonitor, type SystemMonitor } from '../../src/monitor.js';
import { RedisStore } from '../../src/stores/redis.js';
import { type RedisServer, requireRedis, startRedis } from '../helpers/redis-server.js';
import { type Received, type Receiver, startReceiver } from './receiver.js';

const T0 = Date.UTC(2026, 0, 5, 0, 0, 0);
const quiet = { info() {}, warn() {}, error() {}, debug() {} };
/** The injected clock of the process running when each request arrived (Alertmanager's endsAt is judged by it). */
let clockNow = () => 0;
const arrivedAt = new WeakMap<Received, number>();

interface Run {
  m: SystemMonitor;
  clock: { t: number; now: () => number };
}

function start(redis: string, rx: Receiver, prefix: string, t: number, repeatIntervalMs: number): Run {
  const clock = { t, now: () => clock.t };
  clockNow = clock.now;
  const store = new RedisStore({ url: redis, prefix, instanceId: 'web-1', logger: quiet });
  const m = createMonitor({
    sampleIntervalMs: 0,
    clock,
    logger: quiet,
    store,
    instanceId: 'web-1',
    channels: [
      { type: 'webhook', name: 'hook', url: `${rx.origin}/hook`, retries: 0 },
      { type: 'pagerduty', name: 'pd', routingKey: 'k'.repeat(32), url: `${rx.origin}/pd`, retries: 0 },
      { type: 'alertmanager', name: 'am', url: `${rx.origin}/am`, retries: 0 },
    ],
    routing: { groupWaitMs: 0, repeatIntervalMs },
  });
  return { m, clock };
}

const loaded = (m: SystemMonitor) =>
  (m as unknown as { parts: { history: { stateLoaded?: boolean } } }).parts.history.stateLoaded === true;

/** 100 requests, `failed` of them 500, 30 s before a sample. */
async function traffic(run: Run, failed: number): Promise<void> {
  for (let i = 0; i < 100; i++) {
    run.m.recordRequest({ method: 'GET', route: '/r', status: i < failed ? 500 : 200, durationMs: 5 });
  }
  run.clock.t += 30_000;
  await run.m.sample();
}

/** What each receiver got about the error_rate alert `id`, in order: 'firing' or 'resolved'. */
function told(received: readonly Received[], id: () => string) {
  const out: Record<'hook' | 'pd' | 'am', string[]> = { hook: [], pd: [], am: [] };
  for (const r of received) {
    const body = r.json as Record<string, unknown> | Array<Record<string, unknown>>;
    if (r.url === '/hook') {
      const n = body as { status: string; alerts: Array<{ id: string }> };
      if (n.alerts.some((a) => a.id === id())) out.hook.push(n.status);
    } else if (r.url === '/pd') {
      const e = body as { event_action: string; dedup_key: string };
      if (e.dedup_key.includes(id())) out.pd.push(e.event_action === 'resolve' ? 'resolved' : 'firing');
    } else if (r.url.startsWith('/am')) {
      for (const a of body as Array<{ endsAt: string; labels: Record<string, string> }>) {
        if (!Object.values(a.labels).includes(id())) continue;
        // Alertmanager: an alert whose endsAt is not in the future (at the sending time) is resolved.
        out.am.push(Date.parse(a.endsAt) > (arrivedAt.get(r) ?? 0) ? 'firing' : 'resolved');
      }
    }
  }
  return out;
}

describe.skipIf(!requireRedis())('notifications across a restart (RedisStore, private redis-server)', () => {
  let server: RedisServer;
  let rx: Receiver;
  const runs: Run[] = [];
  beforeAll(async () => {
    server = await startRedis();
  });
  afterAll(async () => {
    await server?.stop();
  });
  afterEach(async () => {
    for (const r of runs.splice(0)) await r.m.close();
    await rx?.close();
  });

  async function firstProcess(prefix: string, repeatIntervalMs: number): Promise<string> {
    rx = await startReceiver((r) => {
      arrivedAt.set(r, clockNow());
      return undefined;
    });
    const a = start(server.url, rx, prefix, T0, repeatIntervalMs);
    runs.push(a);
    await expect.poll(() => loaded(a.m), { timeout: 5000 }).toBe(true);
    await traffic(a, 25);
    const [alert] = (await a.m.getAlerts()).filter((x) => x.rule === 'error_rate');
    expect(alert).toBeDefined();
    const id = alert!.id;
    await expect
      .poll(() => told(rx.received, () => id), { timeout: 5000 })
      .toEqual({
        hook: ['firing'],
        pd: ['firing'],
        am: ['firing'],
      });
    await a.m.close();
    runs.splice(0);
    return id;
  }

  it('an alert that clears after the restart gets its resolved notice on every channel that was told', async () => {
    const prefix = `svrn1:${process.pid}:`;
    // A deploy 10 s after the alert was sent (at T0 + 30 s); repeats an hour apart and Alertmanager's re-send
    // (every 60 s) not due before the alert clears: nothing but the resolved notices is owed.
    const id = await firstProcess(prefix, 3_600_000);
    const b = start(server.url, rx, prefix, T0 + 40_000, 3_600_000);
    runs.push(b);
    await expect.poll(() => loaded(b.m), { timeout: 5000 }).toBe(true);
    await traffic(b, 0);
    await expect
      .poll(() => told(rx.received, () => id), { timeout: 5000 })
      .toEqual({
        hook: ['firing', 'resolved'],
        pd: ['firing', 'resolved'],
        am: ['firing', 'resolved'],
      });
    await b.m.flush();
    // Not sent twice: nothing more after the resolved notices, a sample later.
    await traffic(b, 0);
    await new Promise((r) => setTimeout(r, 300));
    expect(told(rx.received, () => id).hook).toEqual(['firing', 'resolved']);
  });

  it('an alert still firing after the restart keeps its repeats (Alertmanager re-sends) and no new page', async () => {
    const prefix = `svrn2:${process.pid}:`;
    const id = await firstProcess(prefix, 60_000);
    // 5 minutes later, still failing: the repeat (60 s) is due; the alert is the same, not a new incident.
    const b = start(server.url, rx, prefix, T0 + 5 * 60_000, 60_000);
    runs.push(b);
    await expect.poll(() => loaded(b.m), { timeout: 5000 }).toBe(true);
    await traffic(b, 25);
    await expect
      .poll(() => told(rx.received, () => id), { timeout: 5000 })
      .toEqual({
        hook: ['firing', 'firing'],
        pd: ['firing', 'firing'],
        am: ['firing', 'firing'],
      });
    expect((await b.m.getAlerts()).filter((x) => x.rule === 'error_rate').map((x) => x.id)).toEqual([id]);
  });
});
