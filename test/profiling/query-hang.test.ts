// A hung database (outside review F19): queries in flight past the db_query_p95 critical level count in the query
// window at their age, so the alert rises rather than clearing at "0 ms"; and a rule with no reading (an empty
// window, a custom histogram nothing was observed in) keeps its alert. Injected clocks, and a real PostgreSQL.

import pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import type { AlertEvent } from '../../src/alerts/alert.js';
import { createMonitor, type SystemMonitor } from '../../src/monitor.js';
import { instrumentPg } from '../../src/profiling/instrument-pg.js';
import { canConnect } from '../collector/helpers/tcp-proxy.js';

const CI = process.env.CI === 'true';
const pgUp = await canConnect(5432);
if (!pgUp && !CI)
  console.warn(
    '[sysvitals tests] skipping: PostgreSQL is not listening on 127.0.0.1:5432 (apt-get install postgresql; database "test", trust auth)',
  );

const off = { enabled: false };
const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

function monitorAt(clock: { now(): number }, rules: Record<string, unknown> = {}): SystemMonitor {
  const m = createMonitor({
    sampleIntervalMs: 0,
    clock,
    logger: { warn() {}, error() {} },
    alerts: { cpu: off, memory: off, disk: off, event_loop_delay: off, ...rules },
  });
  cleanups.push(() => m.close());
  return m;
}

/** A pg Client as instrumentPg sees it, whose queries never answer until release(). */
function hangingClient(): { client: { query: (text: string) => Promise<unknown> }; release(): void } {
  const waiting: Array<() => void> = [];
  const client = {
    query: (_text: string) => new Promise<unknown>((resolve) => waiting.push(() => resolve({ rows: [] }))),
  };
  return {
    client,
    release: () => {
      for (const r of waiting.splice(0)) r();
    },
  };
}

const queriesAlert = (m: SystemMonitor) =>
  m.alertSystem.getActiveAlerts().filter((a) => a.rule === 'db_query_p95');

describe('db_query_p95 while the database hangs (injected clock)', () => {
  it('reads the queries in flight at their age: the alert escalates, never clears (the review saw cleared, value 0)', async () => {
    const clock = { t: Date.UTC(2026, 0, 1), now: () => clock.t };
    const m = monitorAt(clock);
    const events: AlertEvent[] = [];
    m.on('alert', (e) => events.push(e));
    for (let i = 0; i < 10; i++) m.recordQuery('postgresql', 'SELECT pg_sleep($1)', 700, false);
    clock.t += 5000;
    await m.sample();
    expect(queriesAlert(m).map((a) => [a.severity, a.value])).toEqual([['warning', 700]]);
    // The database hangs: 15 queries sent, none answers.
    const db = hangingClient();
    cleanups.push(() => db.release());
    const client = instrumentPg(db.client, m);
    const sentAt = clock.t;
    for (let i = 0; i < 15; i++) void client.query('SELECT pg_sleep(40)');
    for (let step = 1; step <= 24; step++) {
      clock.t += 5000;
      const s = await m.sample();
      const age = clock.t - sentAt;
      // Under the critical level (2000 ms) nothing is aged; past it all 15 count, each at its exact age.
      const hung = step * 5000 >= 2000 ? 15 : 0;
      const answered = clock.t - (sentAt - 5000) < 60_000 ? 10 : 0;
      expect(s.queries?.count).toBe(hung + answered);
      expect(s.queries?.p95_ms).toBeGreaterThanOrEqual(age);
      expect(s.queries?.p95_ms).toBeLessThanOrEqual(age * 1.001); // HDR: 3 significant digits
      expect(queriesAlert(m).map((a) => a.severity)).toEqual(['critical']);
    }
    expect(queriesAlert(m)[0]?.value).toBeGreaterThanOrEqual(120_000);
    expect(m.queries.report().window_p95_ms).toBeGreaterThanOrEqual(120_000);
    expect(events.filter((e) => e.alert.rule === 'db_query_p95').map((e) => e.type)).toEqual([
      'raised',
      'escalated',
    ]);
    // The database answers: each query counts once, as answered (its measured time), no longer in flight.
    db.release();
    await new Promise((r) => setImmediate(r));
    expect(m.queries.windowSummary().count).toBe(15);
    expect(m.queries.windowSummary().p95_ms).toBeLessThan(2000);
  });

  it('a minute without any query keeps the alert (no reading); fast queries clear it', async () => {
    const clock = { t: Date.UTC(2026, 0, 1), now: () => clock.t };
    const m = monitorAt(clock, { db_query_p95: { warning: 500 } });
    for (let i = 0; i < 3; i++) m.recordQuery('postgresql', 'SELECT pg_sleep($1)', 623, false);
    await m.sample();
    expect(queriesAlert(m).map((a) => a.value)).toEqual([623]);
    for (let i = 0; i < 24; i++) {
      clock.t += 5000; // two minutes without a query
      await m.sample();
    }
    expect(m.queries.report().window_p95_ms).toBeNull();
    expect(queriesAlert(m).map((a) => a.value)).toEqual([623]);
    for (let i = 0; i < 10; i++) m.recordQuery('postgresql', 'SELECT ?', 5, false);
    await m.sample();
    expect(queriesAlert(m)).toEqual([]);
  });
});

describe('rules on a custom histogram with an empty window', () => {
  it('keep their alert while nothing is observed (the review saw cleared at p99 0), clear on a fast value', async () => {
    const clock = { t: Date.UTC(2026, 0, 1), now: () => clock.t };
    const m = monitorAt(clock, {
      rules: [{ name: 'job_p99', metric: 'custom.job_seconds.p99', warning: 5 }],
    });
    const events: AlertEvent[] = [];
    m.on('alert', (e) => events.push(e));
    const h = m.histogram('job_seconds', { help: 'job time' });
    for (let i = 0; i < 10; i++) h.observe(30);
    clock.t += 5000;
    await m.sample();
    const ours = () => m.alertSystem.getActiveAlerts().filter((a) => a.rule === 'job_p99');
    expect(ours().map((a) => a.value)).toEqual([30]);
    let count = -1;
    for (let i = 0; i < 40; i++) {
      clock.t += 5000; // over three minutes without an observation: the histogram's window empties
      const s = await m.sample();
      count = (s.custom?.job_seconds as { count: number } | undefined)?.count ?? -1;
    }
    expect(count).toBe(0);
    expect(ours().map((a) => a.value)).toEqual([30]);
    h.observe(1);
    await m.sample();
    expect(ours()).toEqual([]);
    expect(events.map((e) => e.type)).toEqual(['raised', 'cleared']);
  });
});

describe.skipIf(!pgUp && !CI)('db_query_p95 with PostgreSQL queries in flight', () => {
  it('pg_sleep in flight: the alert stays active with a value at least the in-flight age', async () => {
    const marker = `sv_hang_${process.pid}_${Date.now().toString(36)}`;
    const clock = { t: Date.UTC(2026, 0, 1), now: () => clock.t };
    const m = monitorAt(clock);
    const user = process.env.PGUSER ?? 'postgres';
    const conn = { host: '127.0.0.1', port: 5432, user, database: 'test' };
    const slow = new pg.Client(conn);
    const admin = new pg.Client(conn);
    await slow.connect();
    await admin.connect();
    cleanups.push(
      () => slow.end(),
      () => admin.end(),
    );
    instrumentPg(slow, m);
    await slow.query('SELECT pg_sleep(0.6)');
    clock.t += 5000;
    await m.sample();
    expect(queriesAlert(m).map((a) => a.severity)).toEqual(['warning']);
    // The database hangs: a query that would take a minute, in flight (its ticket is taken as it is sent).
    const sentAt = clock.t;
    const hung = slow.query(`SELECT pg_sleep(60) /* ${marker} */`).catch((err: Error) => err);
    for (let step = 1; step <= 18; step++) {
      clock.t += 5000; // past the minute: the 0.6 s query left the window; only the one in flight is read
      await m.sample();
      expect(queriesAlert(m).map((a) => a.severity)).toEqual(['critical']);
      expect(queriesAlert(m)[0]?.value).toBeGreaterThanOrEqual(clock.t - sentAt);
    }
    expect(m.queries.windowSummary()).toEqual({ count: 1, p95_ms: expect.any(Number) });
    // Release it: cancel the backend; the query fails once and counts once, no longer in flight. First wait (a guard:
    // the steps above run on the injected clock, in ms) until the server has the statement: in a clean-clone CI run
    // the cancel came before it did, and cancelled nothing.
    await expect
      .poll(
        async () =>
          (
            await admin.query(
              `SELECT count(*)::int AS n FROM pg_stat_activity WHERE query LIKE '%${marker}%' AND state = 'active' AND pid <> pg_backend_pid()`,
            )
          ).rows[0]?.n,
        { timeout: 30_000, interval: 50 },
      )
      .toBe(1);
    const cancelled = await admin.query(
      `SELECT pg_cancel_backend(pid) AS ok FROM pg_stat_activity WHERE query LIKE '%${marker}%' AND pid <> pg_backend_pid()`,
    );
    expect(cancelled.rows).toEqual([{ ok: true }]);
    expect(await hung).toBeInstanceOf(Error);
    const row = m.queries.rows().find((r) => r.fingerprint === 'SELECT pg_sleep(?)');
    expect([row?.count, row?.errors]).toEqual([2, 1]);
    expect(m.queries.windowSummary().count).toBe(1);
  });
});
