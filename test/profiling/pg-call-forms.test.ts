// Every call form of pg's client.query() and pool.query() is recorded once, with its outcome, and leaves nothing in
// flight (outside review rtA, t23/t29/t31: `client.query({ text, callback })` and `{ text, values, callback }`, which
// pg's normalizeQueryConfig answers through config.callback, were never recorded and stayed in flight for ever,
// holding db_query_p95 critical). Real PostgreSQL `test` database; the oracle is what the test sent and the time
// it measured around each call.

import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMonitor, type SystemMonitor } from '../../src/monitor.js';
import { instrumentPg } from '../../src/profiling/instrument-pg.js';
import { pgConfig, pgMissing } from '../helpers/databases.js';

type Done = (err?: unknown) => void;
/** One call form: its statement's fingerprint, whether it fails, and how it is issued (calls done once settled). */
interface Form {
  fingerprint: string;
  fails: boolean;
  run(done: Done): unknown;
}

describe.skipIf(pgMissing)('instrumentPg: every call form is recorded once and none stays in flight', () => {
  let m: SystemMonitor;
  let client: pg.Client;
  let pool: pg.Pool;
  beforeAll(async () => {
    m = createMonitor({
      sampleIntervalMs: 0,
      logger: { warn() {}, error() {} },
      queries: { slowThresholdMs: 0, slowLogSize: 100 },
    });
    // Queries in flight count in the window from their first moment: one left open shows in window_count.
    m.queries.inFlightMinMs = 0;
    client = instrumentPg(new pg.Client(pgConfig), m);
    await client.connect();
    pool = instrumentPg(new pg.Pool({ ...pgConfig, max: 1 }), m);
  });
  afterAll(async () => {
    await client?.end();
    await pool?.end();
    await m?.close();
  });

  it('client and pool forms, callbacks in config included: counts, errors and durations exact, nothing in flight', async () => {
    const c = client as unknown as { query: (...args: unknown[]) => unknown };
    const p = pool as unknown as { query: (...args: unknown[]) => Promise<unknown> };
    const promise = (q: unknown, done: Done) =>
      (q as Promise<unknown>).then(
        () => done(),
        (e) => done(e),
      );
    const forms: Form[] = [
      { fingerprint: 'SELECT ? AS f1', fails: false, run: (d) => promise(c.query('SELECT 1 AS f1'), d) },
      {
        fingerprint: 'SELECT $1::int AS f2',
        fails: false,
        run: (d) => promise(c.query('SELECT $1::int AS f2', [1]), d),
      },
      { fingerprint: 'SELECT ? AS f3', fails: false, run: (d) => c.query('SELECT 1 AS f3', d) },
      {
        fingerprint: 'SELECT $1::int AS f4',
        fails: false,
        run: (d) => c.query('SELECT $1::int AS f4', [1], d),
      },
      {
        fingerprint: 'SELECT $1::int AS f5',
        fails: false,
        run: (d) => promise(c.query({ text: 'SELECT $1::int AS f5', values: [1] }), d),
      },
      { fingerprint: 'SELECT ? AS f6', fails: false, run: (d) => c.query({ text: 'SELECT 1 AS f6' }, d) },
      {
        fingerprint: 'SELECT ? AS f7',
        fails: false,
        run: (d) => promise(c.query({ name: 'sv_f7', text: 'SELECT 1 AS f7' }), d),
      },
      // The review's two forms (t23, t29): pg answers through config.callback and returns nothing.
      {
        fingerprint: 'SELECT ? AS f8',
        fails: false,
        run: (d) => c.query({ text: 'SELECT 1 AS f8', callback: d }),
      },
      {
        fingerprint: 'SELECT $1::int AS f9',
        fails: false,
        run: (d) => c.query({ text: 'SELECT $1::int AS f9', values: [1], callback: d }),
      },
      {
        fingerprint: 'SELECT * FROM sv_no_such_table_f10',
        fails: true,
        run: (d) => c.query({ text: 'SELECT * FROM sv_no_such_table_f10', callback: d }),
      },
      {
        fingerprint: 'SELECT ? AS f11',
        fails: false,
        run: (d) => c.query({ name: 'sv_f11', text: 'SELECT 1 AS f11', callback: d }),
      },
      // A callback argument overrides config.callback (pg's order): the argument is called, config's never.
      {
        fingerprint: 'SELECT ? AS f12',
        fails: false,
        run: (d) =>
          c.query({ text: 'SELECT 1 AS f12', callback: () => d(new Error('config.callback called')) }, d),
      },
      {
        fingerprint: 'SELECT ? AS f13',
        fails: false,
        run: (d) => c.query(new pg.Query('SELECT 1 AS f13', [], d)),
      },
      {
        fingerprint: 'SELECT ? AS f14',
        fails: false,
        run: (d) => c.query(new pg.Query({ text: 'SELECT 1 AS f14', callback: d } as never)),
      },
      { fingerprint: 'SELECT ? AS f15', fails: false, run: (d) => promise(p.query('SELECT 1 AS f15'), d) },
      { fingerprint: 'SELECT ? AS f16', fails: false, run: (d) => p.query('SELECT 1 AS f16', d) },
      // pg-pool ignores config.callback (its own callback goes to the client): its promise answers.
      {
        fingerprint: 'SELECT ? AS f17',
        fails: false,
        run: (d) => promise(p.query({ text: 'SELECT 1 AS f17', callback: () => {} }), d),
      },
      {
        fingerprint: 'SELECT * FROM sv_no_such_table_f18',
        fails: true,
        run: (d) => p.query({ text: 'SELECT * FROM sv_no_such_table_f18' }, d),
      },
    ];
    const measured = new Map<string, number>();
    for (const f of forms) {
      const t0 = performance.now();
      const err = await new Promise<unknown>((resolve) => {
        f.run((e) => resolve(e ?? null));
      });
      measured.set(f.fingerprint, performance.now() - t0);
      if (f.fails) expect(err).toBeInstanceOf(Error);
      else expect(err).toBeNull();
    }
    const rows = Object.fromEntries(m.queries.rows().map((r) => [r.fingerprint, [r.count, r.errors]]));
    expect(rows).toEqual(Object.fromEntries(forms.map((f) => [f.fingerprint, [1, f.fails ? 1 : 0]])));
    // Nothing left in flight: the window holds exactly the queries sent (an open ticket would add one each).
    // Before the fix: no row for f8–f11 (pg returned no promise), and their four tickets in flight for ever.
    const report = m.queries.report();
    expect(report.total).toBe(forms.length);
    expect(report.errors).toBe(2);
    expect(report.window_count).toBe(forms.length);
    // Each recorded duration is within the time the test measured around its call (slow log at 0 ms: all of them).
    expect(report.slow_queries).toHaveLength(forms.length);
    for (const s of report.slow_queries) {
      expect(s.duration_ms).toBeGreaterThan(0);
      expect(s.duration_ms).toBeLessThanOrEqual((measured.get(s.fingerprint) as number) + 0.001);
    }
    expect(report.window_p95_ms).toBeLessThanOrEqual(Math.max(...measured.values()) + 0.001);
  });
});
