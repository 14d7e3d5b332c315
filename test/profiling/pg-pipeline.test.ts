// pg's pipeline mode (`new pg.Client({ pipeline: true })`, pg 8.21+) writes every query at once; the server runs them
// one after the other, so the n-th is answered after the n-1 ahead of it. Each is timed from when the server reaches
// it (the one ahead answered: pg makes it the active query), not from the call: 5 pipelined `pg_sleep(0.2)` read
// ~200 ms each, not 200, 400, … 1,000 ms (outside review gapsQ). A backend terminated mid-pipeline fails the query it
// was running, timed until the loss was seen, and the ones behind it as never run (no duration).
// Real PostgreSQL `test` database. Oracle: the server-side sleep and the times the test saw pg reach each query.

import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { createMonitor, type SystemMonitor } from '../../src/monitor.js';
import { instrumentPg } from '../../src/profiling/instrument-pg.js';
import { pgConfig, pgMissing } from '../helpers/databases.js';

const SLEEP_S = 0.2;
const N = 5;

const monitors: SystemMonitor[] = [];
const closers: (() => Promise<unknown>)[] = [];
afterAll(async () => {
  for (const close of closers.splice(0)) await close().catch(() => {});
  for (const m of monitors.splice(0)) await m.close();
});

function monitor(): SystemMonitor {
  const m = createMonitor({
    sampleIntervalMs: 0,
    queries: { slowThresholdMs: 0, slowLogSize: 100 },
    logger: { warn() {}, error() {} },
  });
  m.queries.inFlightMinMs = 0; // a ticket left open would show in window_count
  monitors.push(m);
  return m;
}

interface PgQueryObject {
  handleReadyForQuery: (...a: unknown[]) => unknown;
}
type Internals = { _queryQueue: PgQueryObject[]; _sentQueryQueue: PgQueryObject[]; _activeQuery: unknown };

/**
 * Issues `call` on `client`, noting (a) when the call was made, (b) when pg handed the query its ReadyForQuery (pg
 * reaches the next pipelined query right after: the server has answered this one) and (c) when the caller saw
 * it settle. Query i is on the server from after max(a_i, b_{i-1}) to before c_i: an exact bound on its duration.
 */
function pipelined(client: pg.Client) {
  const c = client as unknown as Internals;
  const calls: number[] = [];
  const readies: number[] = [];
  const settles: number[] = [];
  const run = (call: () => Promise<unknown>) => {
    const i = calls.length;
    calls.push(performance.now());
    readies.push(Number.NaN);
    settles.push(Number.NaN);
    const p = call();
    const q = (c._queryQueue.at(-1) ?? c._sentQueryQueue.at(-1) ?? c._activeQuery) as PgQueryObject;
    const original = q.handleReadyForQuery;
    q.handleReadyForQuery = function seen(this: unknown, ...a: unknown[]) {
      readies[i] = performance.now();
      return original.apply(this, a);
    };
    return p.finally(() => {
      settles[i] = performance.now();
    });
  };
  /** The longest time query i can have been on the server. */
  const window = (i: number) => settles[i]! - (i === 0 ? calls[0]! : Math.max(calls[i]!, readies[i - 1]!));
  return { run, window };
}

function slowLog(m: SystemMonitor, fingerprint: string) {
  return m.queries.slowQueries().filter((s) => s.fingerprint === fingerprint);
}

describe.skipIf(pgMissing)('instrumentPg: pipeline mode', () => {
  it('times each pipelined query from when the server reaches it (promise and pg.Query forms)', async () => {
    const m = monitor();
    const client = instrumentPg(new pg.Client({ ...pgConfig, pipeline: true } as pg.ClientConfig), m);
    closers.push(() => client.end());
    // Issued before connect() resolves: written on connect, all at once.
    const connecting = client.connect();
    let seen = pipelined(client);
    const early = Array.from({ length: N }, () =>
      seen.run(() => client.query(`SELECT pg_sleep(${SLEEP_S})`)),
    );
    await connecting;
    await Promise.all(early);
    const check = (fingerprint: string, windows: number[]) => {
      const durations = slowLog(m, fingerprint)
        .map((s) => s.duration_ms)
        .reverse(); // newest first in the log
      expect(durations).toHaveLength(N);
      // Each at most its window (duration_ms is rounded to 0.001). Timed from the call, the i-th would read the
      // i-1 sleeps ahead of it too.
      for (const [i, d] of durations.entries()) expect(d).toBeLessThanOrEqual(windows[i]! + 0.0005);
      // Together at least the N sleeps the server ran one after the other: the first is timed from before the server
      // had it, each next from the client's sight of the answer ahead (the server started it on sending that answer,
      // so one read alone can fall short of its sleep by the client's delay in reading it: not the sum).
      expect(durations.reduce((a, b) => a + b, 0)).toBeGreaterThanOrEqual(N * SLEEP_S * 1000 - 1);
      expect(m.queries.rows().find((r) => r.fingerprint === fingerprint)?.count).toBe(N);
    };
    check(
      'SELECT pg_sleep(?)',
      early.map((_, i) => seen.window(i)),
    );

    // Connected: each written during its call, behind the ones still running.
    seen = pipelined(client);
    const connected = Array.from({ length: N }, () =>
      seen.run(() => client.query(`SELECT pg_sleep(${SLEEP_S}), 'ready'`)),
    );
    await Promise.all(connected);
    check(
      'SELECT pg_sleep(?), ?',
      connected.map((_, i) => seen.window(i)),
    );

    seen = pipelined(client);
    const submittables = Array.from({ length: N }, () =>
      seen.run(() => {
        const q = new pg.Query(`SELECT pg_sleep(${SLEEP_S}), 1 AS q`);
        client.query(q);
        return new Promise<void>((resolve, reject) => {
          q.on('end', () => resolve());
          q.on('error', reject);
        });
      }),
    );
    await Promise.all(submittables);
    check(
      'SELECT pg_sleep(?), ? AS q',
      submittables.map((_, i) => seen.window(i)),
    );
    expect(m.queries.report().window_count).toBe(3 * N); // every ticket closed
  });

  it('a terminated backend: the running query fails timed until the loss, the ones behind it untimed', async () => {
    const m = monitor();
    const client = instrumentPg(new pg.Client({ ...pgConfig, pipeline: true } as pg.ClientConfig), m);
    client.on('error', () => {});
    closers.push(() => client.end());
    await client.connect();
    const pid = (await client.query('SELECT pg_backend_pid() AS pid')).rows[0].pid as number;
    const killer = new pg.Client(pgConfig);
    await killer.connect();
    closers.push(() => killer.end());
    let settled = Number.NaN;
    const issued = performance.now();
    const running = client.query('SELECT pg_sleep(30)').then(
      () => 'ok',
      () => 'error',
    );
    const behind = Array.from({ length: 2 }, () =>
      client.query('SELECT pg_sleep(30), 2 AS behind').then(
        () => 'ok',
        () => 'error',
      ),
    );
    // Kill once the server runs the first sleep (pg_stat_activity shows it).
    for (let i = 0; i < 200; i++) {
      const { rows } = await killer.query(
        "SELECT count(*)::int AS n FROM pg_stat_activity WHERE pid = $1 AND query LIKE 'SELECT pg_sleep(30)%'",
        [pid],
      );
      if (rows[0].n > 0) break;
      await new Promise((r) => setTimeout(r, 10));
    }
    const killAt = performance.now();
    await killer.query('SELECT pg_terminate_backend($1)', [pid]);
    expect(await running).toBe('error');
    settled = performance.now();
    expect(await Promise.all(behind)).toEqual(['error', 'error']);

    const timed = slowLog(m, 'SELECT pg_sleep(?)');
    expect(timed).toHaveLength(1);
    expect(timed[0]!.failed).toBe(true);
    // It reached the server: its time runs from the call to the loss (at least until the kill was sent).
    expect(timed[0]!.duration_ms).toBeGreaterThanOrEqual(killAt - issued - 0.0005);
    expect(timed[0]!.duration_ms).toBeLessThanOrEqual(settled - issued + 0.0005);
    const row = m.queries.rows().find((r) => r.fingerprint === 'SELECT pg_sleep(?), ? AS behind');
    expect(row?.count).toBe(2);
    expect(row?.errors).toBe(2);
    expect(slowLog(m, 'SELECT pg_sleep(?), ? AS behind')).toEqual([]); // never run: no duration
    expect(m.queries.report().window_count).toBe(2); // the pid query and the killed one; no ticket left open
  });
});
