// pg queries that never reached the server (outside review rtA, t24): queued before a connect that fails, queued
// behind a backend that is terminated, issued on a client that died or was ended. Each is counted as a failure with
// no duration; before, each was a failure of ~0 ms in the percentiles, the window and the slow log, pulling them
// down. Real PostgreSQL `test` database; the oracle is the queries the test sent and the times it measured.

import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { collectPrometheusData } from '../../src/http/prometheus/data.js';
import { renderPrometheus } from '../../src/http/prometheus/render.js';
import { createMonitor, type SystemMonitor } from '../../src/monitor.js';
import { instrumentPg } from '../../src/profiling/instrument-pg.js';
import { closedPort } from '../collector/helpers/tcp-proxy.js';
import { pgConfig, pgMissing } from '../helpers/databases.js';

const settle = (p: Promise<unknown>) =>
  p.then(
    () => 'ok',
    () => 'error',
  );

describe.skipIf(pgMissing)('instrumentPg: queries that never reached the server', () => {
  let m: SystemMonitor;
  const ends: Array<() => unknown> = [];
  beforeAll(() => {
    m = createMonitor({
      sampleIntervalMs: 0,
      logger: { warn() {}, error() {} },
      queries: { slowThresholdMs: 0, slowLogSize: 100, prometheus: true },
    });
    m.queries.inFlightMinMs = 0; // a ticket left open would show in window_count
  });
  afterAll(async () => {
    for (const end of ends) await end();
    await m?.close();
  });

  it('counts each as a failure with no duration; the ones the server ran keep their time', async () => {
    // 1. Queued before a connect that fails (nothing listens on the port).
    const bad = instrumentPg(new pg.Client({ ...pgConfig, port: await closedPort() }), m);
    const queued = settle(bad.query('SELECT 11 AS queued'));
    await bad.connect().catch(() => {});
    expect(await queued).toBe('error');

    // 2. A slow statement whose backend is terminated, with one queued behind it; then one on the dead client.
    const d = instrumentPg(new pg.Client(pgConfig), m);
    d.on('error', () => {});
    await d.connect();
    const pid = (await d.query('SELECT pg_backend_pid() AS p')).rows[0].p as number;
    const killer = new pg.Client(pgConfig);
    await killer.connect();
    ends.push(() => killer.end());
    const t0 = performance.now();
    const slow = settle(d.query('SELECT pg_sleep(5) AS killed'));
    const behind = settle(d.query('SELECT 13 AS behind'));
    await killer.query('SELECT pg_terminate_backend($1)', [pid]);
    expect(await slow).toBe('error');
    const slowBound = performance.now() - t0;
    expect(await behind).toBe('error');
    expect(await settle(d.query('SELECT 14 AS after_death'))).toBe('error');
    const viaQuery = await new Promise((ok) => d.query(new pg.Query('SELECT 15 AS sub_after_death', [], ok)));
    expect(viaQuery).toBeInstanceOf(Error);

    // 3. A query on a client that was ended.
    const e = instrumentPg(new pg.Client(pgConfig), m);
    await e.connect();
    await e.end();
    expect(await settle(e.query('SELECT 16 AS after_end'))).toBe('error');

    const report = m.queries.report();
    const rows = Object.fromEntries(
      report.fingerprints.map((r) => [r.fingerprint, [r.count, r.errors, r.max_ms]]),
    );
    const killed = rows['SELECT pg_sleep(?) AS killed'] as number[];
    expect(rows).toEqual({
      'SELECT ? AS queued': [1, 1, 0],
      'SELECT pg_backend_pid() AS p': [1, 0, expect.any(Number)],
      'SELECT pg_sleep(?) AS killed': [1, 1, expect.any(Number)],
      'SELECT ? AS behind': [1, 1, 0],
      'SELECT ? AS after_death': [1, 1, 0],
      'SELECT ? AS sub_after_death': [1, 1, 0],
      'SELECT ? AS after_end': [1, 1, 0],
    });
    // The terminated statement ran on the server until it was killed: its time is real, within what the test saw.
    expect(killed[2]).toBeGreaterThan(0);
    expect(killed[2]).toBeLessThanOrEqual(slowBound + 0.001);
    expect(report.total).toBe(7);
    expect(report.errors).toBe(6);
    // Only the two statements the server ran are in the window and the slow log (threshold 0): before, all 7
    // (five at ~0 ms), and nothing in flight.
    expect(report.window_count).toBe(2);
    expect(report.slow_queries.map((s) => s.fingerprint).sort()).toEqual([
      'SELECT pg_backend_pid() AS p',
      'SELECT pg_sleep(?) AS killed',
    ]);
    // Prometheus: the errors counter holds all six, the duration histogram the two timed.
    const text = renderPrometheus(await collectPrometheusData(m));
    const errorsTotal = text
      .split('\n')
      .filter((l) => l.startsWith('sysvitals_db_query_errors_total{'))
      .reduce((sum, l) => sum + Number(l.split(' ').pop()), 0);
    const counts = text
      .split('\n')
      .filter((l) => l.startsWith('sysvitals_db_query_duration_seconds_count{'))
      .reduce((sum, l) => sum + Number(l.split(' ').pop()), 0);
    expect([errorsTotal, counts]).toEqual([6, 2]);
  });
});
