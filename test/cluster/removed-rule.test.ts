// Issue 13: in cluster mode, an aggregator starting from its ledger (a worker of a new deploy taking over, or a
// cluster restarted with the new deploy's rules) restored the active alerts whose rule the deploy removed,
// renamed or disabled, and nothing evaluated them again: active forever, their incidents left open at the
// receivers. It now clears them as it reads the ledger, each with one `cleared` event and one resolved notice
// on the channels told of it, and keeps the alerts whose rule is still there (same id, nothing sent again).
// Real processes (2 node:cluster workers): the old rules raise three alerts; then either the whole cluster is
// restarted (same name and socket directory: the same ledger) or its workers are replaced one by one (a rolling
// deploy: each respawned worker reads the new rules, and one of them takes the aggregator's role over), with
// one rule removed and one disabled. A webhook channel and the alert webhook go to two real receivers started
// here. With the default store the cluster's monitor also cleared them once its (memory) store's saved state was
// read; with a RedisStore that does not answer, that read fails (retried each minute) and the alerts stayed
// active: the ledger's restore must clear them itself.

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  BASE,
  CLUSTER_TEST_TOKEN,
  clusterOf,
  getJson,
  HOST_RULES_OFF,
  type Hooks,
  killAggregator,
  ledgerIn,
  type Started,
  signalPid,
  startHooks,
  startNodeCluster,
  until,
  untilNewAggregator,
} from './helpers.js';
import type { Notified } from './webhook-alerts.js';

type Event = { type: string; alert: { id: string; rule: string; cleared_at: string | null } };

/** Breached whatever the traffic (per_minute is far below 10⁹): raised at the first evaluation, never cleared. */
const always = (name: string, enabled = true) => ({
  name,
  metric: 'requests.per_minute',
  warning: 1e9,
  direction: 'below',
  enabled,
});
/** The old deploy's rules, and the new one's: `removed` removed, `disabled` disabled, `kept` as it was. */
const OLD_RULES = [always('kept'), always('removed'), always('disabled')];
const NEW_RULES = [always('kept'), always('disabled', false)];
const OURS = ['kept', 'removed', 'disabled'];

/** The alert options of a deploy (the redis availability rule off: the RedisStore's server may be down on purpose). */
const alertsOf = (rules: unknown[]) =>
  JSON.stringify({ ...HOST_RULES_OFF, redis: { enabled: false }, rules });

/** A loopback port nothing listens on (a Redis that is down). */
async function deadPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as { port: number };
  await new Promise((r) => server.close(r));
  return port;
}

/** The cluster's store: the default (memory), or a RedisStore whose server does not answer. */
const STORES = [
  { store: 'the default store', env: async (): Promise<Record<string, string>> => ({}) },
  {
    store: 'a RedisStore that does not answer',
    env: async (): Promise<Record<string, string>> => ({
      REDIS_URL: `redis://127.0.0.1:${await deadPort()}`,
    }),
  },
];

let scenarios = 0;

/** One scenario's cluster runs and receivers, in a private socket directory; `stop` ends them all. */
function useScenario(storeEnv: () => Promise<Record<string, string>>) {
  const dir = mkdtempSync(join(tmpdir(), 'sysvitals-removed-'));
  const socketDir = join(dir, 'sock');
  // Its own name too (the scenarios run at the same time, their describes collected in the same millisecond).
  const name = `removed-${process.pid}-${Date.now()}-${++scenarios}`;
  const runs: Started[] = [];
  const s = {
    socketDir,
    rulesFile: join(dir, 'alerts.json'),
    notices: undefined as Hooks<Notified> | undefined,
    events: undefined as Hooks<Event> | undefined,
    /** A run of the cluster (same name and socket directory: the same ledger), once an aggregator has both workers. */
    async run(env: Record<string, string>): Promise<Started> {
      s.notices ??= await startHooks<Notified>();
      s.events ??= await startHooks<Event>();
      const started = await startNodeCluster(
        {
          ...(await storeEnv()),
          ADMIN_TOKEN: CLUSTER_TEST_TOKEN,
          SAMPLE_MS: '300',
          SOCKET_DIR: socketDir,
          CLUSTER_NAME: name,
          CHANNELS: JSON.stringify([{ type: 'webhook', url: s.notices.url }]),
          ROUTING: JSON.stringify({ groupWaitMs: 0 }),
          WEBHOOK: s.events.url,
          ...env,
        },
        2,
      );
      runs.push(started);
      // Hang guard (a loaded machine starts workers slowly); a restarted cluster's window may lack the last
      // run's last minute for a while: not waited for.
      await untilNewAggregator(started.port, '', 2, 90_000);
      return started;
    },
    /** Every notice the channel's receiver accepted, as [status, alert id] pairs. */
    noticed: () =>
      (s.notices?.received ?? []).flatMap((n) => (n.alerts ?? []).map((a) => [n.status, a.id] as const)),
    /** The old rules' three alerts, once both receivers were told and the ledger holds them with the deliveries. */
    async raised(): Promise<Map<string, string>> {
      const raised = await until(async () => {
        const got = new Map(
          (s.events?.received ?? [])
            .filter((e) => e.type === 'raised')
            .map((e) => [e.alert.rule, e.alert.id]),
        );
        return got.size === 3 && got;
      }, 60_000);
      const ids = [...raised.values()];
      await until(
        async () => ids.every((id) => s.noticed().some(([st, i]) => st === 'firing' && i === id)),
        60_000,
      );
      await until(async () => {
        const l = ledgerIn(socketDir);
        return (
          ids.every((id) => l.alerts.some((x) => x.alert.id === id)) &&
          ids.every((id) => l.deliveries.some((d) => d.alert === id))
        );
      }, 30_000);
      return raised;
    },
    /**
     * After the new rules' aggregator took over from the ledger at an epoch above `epochBefore`: the removed and
     * the disabled rule's alerts cleared once each, the kept one kept, on both receivers, in alerts/ and the ledger.
     */
    async expectClearedOnce(raised: Map<string, string>, port: number, epochBefore: number): Promise<void> {
      const gone = [raised.get('removed') as string, raised.get('disabled') as string];
      const kept = raised.get('kept') as string;
      await until(
        async () => gone.every((id) => s.noticed().some(([st, i]) => st === 'resolved' && i === id)),
        60_000,
      );
      await until(
        async () =>
          gone.every((id) => s.events?.received.some((e) => e.type === 'cleared' && e.alert.id === id)),
        60_000,
      );
      // Once the new aggregator's ledger owes nothing, nothing more can be sent (a guard, not a timing).
      await until(async () => {
        const l = ledgerIn(socketDir);
        return (
          l.epoch > epochBefore &&
          l.pending?.resolving === null &&
          l.pending.queued.length === 0 &&
          l.pending.webhook === undefined
        );
      }, 30_000);
      // One cleared event each, with cleared_at; none for the kept alert, whose only event is the old raise.
      const byId = (id: string) =>
        (s.events?.received ?? [])
          .filter((e) => e.alert.id === id)
          .map((e) => [e.type, e.alert.cleared_at !== null]);
      for (const id of gone)
        expect(byId(id)).toEqual([
          ['raised', false],
          ['cleared', true],
        ]);
      expect(byId(kept)).toEqual([['raised', false]]);
      // One firing (old) and one resolved (new) notice each; the kept alert's firing only, not sent again.
      for (const id of gone)
        expect(s.noticed().filter(([, i]) => i === id)).toEqual([
          ['firing', id],
          ['resolved', id],
        ]);
      expect(s.noticed().filter(([, i]) => i === kept)).toEqual([['firing', kept]]);
      // The cluster keeps the kept alert under its id, and only it of ours; its ledger too.
      const alerts = (await getJson(port, `${BASE}/alerts`)).data.data.alerts as Array<{
        id: string;
        rule: string;
      }>;
      expect(alerts.filter((x) => OURS.includes(x.rule)).map((x) => x.id)).toEqual([kept]);
      const ledger = ledgerIn(socketDir).alerts.filter((x) => OURS.includes(x.alert.rule));
      expect(ledger.map((x) => x.alert.id)).toEqual([kept]);
    },
  };
  afterAll(async () => {
    for (const r of runs) await r.kill(); // teardown: killed, not closed (Started.kill)
    s.notices?.close();
    s.events?.close();
    rmSync(dir, { recursive: true, force: true });
  });
  return s;
}

// The three scenarios run at the same time (describe.concurrent: each its own clusters, receivers, socket directory
// and name): each waits on its processes (two cluster runs, a takeover), not on the machine; their oracles are the
// notices, events and ledgers, not timings.
describe.concurrent.each(STORES)(
  'node:cluster with a rule removed and one disabled ($store)',
  ({ store, env }) => {
    describe('restarted with the new rules', () => {
      const s = useScenario(env);
      it('clears their alerts once (cleared event, resolved notice) as it reads the ledger, keeps the other', async () => {
        const a = await s.run({ ALERTS: alertsOf(OLD_RULES) });
        const raised = await s.raised();
        await a.stop();
        const epoch = ledgerIn(s.socketDir).epoch;
        const left = ledgerIn(s.socketDir).alerts.filter((x) => OURS.includes(x.alert.rule));
        expect(left.map((x) => x.alert.id).sort()).toEqual([...raised.values()].sort());
        const b = await s.run({ ALERTS: alertsOf(NEW_RULES) });
        await s.expectClearedOnce(raised, b.port, epoch);
      }, 400_000);
    });

    // The rolling deploy (about 20 s) with the store that failed before the fix only: with the default store the
    // restart case above covers the ledger path, and npm test stays within its time budget.
    // Registered only for that store (runIf would list it as skipped for the other).
    if (store !== 'the default store')
      describe('taken over by a worker of the new deploy (rolling: workers replaced one by one)', () => {
        const s = useScenario(env);
        it('clears their alerts once (cleared event, resolved notice) as it reads the ledger, keeps the other', async () => {
          // Each worker reads the rules file as it starts; a killed one is respawned (RESPAWN) with what it holds then.
          writeFileSync(s.rulesFile, alertsOf(OLD_RULES));
          const c = await s.run({ ALERTS_FILE: s.rulesFile, RESPAWN: '1' });
          const raised = await s.raised();
          writeFileSync(s.rulesFile, alertsOf(NEW_RULES));
          // The other worker first: its successor (new rules) joins the aggregator (old rules), which keeps all three.
          const before = await clusterOf(c.port);
          const other = (before.workers as Array<{ aggregator: boolean; pid: number }>).find(
            (w) => !w.aggregator,
          );
          signalPid(other?.pid as number, 'SIGTERM');
          // Joined: two connected workers, the departed one not among them. It stays listed, unconnected, until
          // retired a minute after it left (retireAfterMs): not waited for (a rolling deploy replaces the next
          // worker within that minute too), so the hand-over ledger below still holds its entry.
          const joined = await until(async () => {
            const cl = await clusterOf(c.port);
            const connected = (cl.workers as Array<{ pid: number; connected: boolean }>)
              .filter((w) => w.connected)
              .map((w) => w.pid);
            return cl.workers_connected === 2 && !connected.includes(other?.pid as number) && cl;
          }, 90_000);
          const epoch = ledgerIn(s.socketDir).epoch;
          // Then the aggregator: a worker of the new deploy takes the role over from its hand-over ledger.
          await killAggregator(c.port, joined, 'SIGTERM', 2, 90_000);
          await s.expectClearedOnce(raised, c.port, epoch);
        }, 400_000);
      });
  },
);
