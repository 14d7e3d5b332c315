// mysql2 statements running when the server kills their connection (`KILL` from another connection; outside review
// gapsQ): the running one reached the server, so it is a failure timed until the loss was seen (mysql2 fails it as the
// socket closes), not one with no duration and not a success; one queued behind it never ran: a failure with no
// duration. Pinned against the real MariaDB `test` database: the oracle is the server's own KILL (it runs the
// statement until then: the processlist shows it) and the times the test saw around the call, the kill and the error.

import mysql from 'mysql2';
import { afterAll, describe, expect, it } from 'vitest';
import type { SystemMonitor } from '../../src/monitor.js';
import { instrumentMysql } from '../../src/profiling/instrument-mysql.js';
import { myConfig, mysqlMissing } from '../helpers/databases.js';
import { everyQueryMonitor } from '../helpers/query-monitor.js';

type Conn = ReturnType<typeof mysql.createConnection>;

describe.skipIf(mysqlMissing)('instrumentMysql: a statement whose connection is killed while it runs', () => {
  const conns: Conn[] = [];
  const monitors: SystemMonitor[] = [];
  afterAll(async () => {
    for (const c of conns) c.destroy();
    for (const m of monitors) await m.close();
  });

  function open(): Conn {
    const c = mysql.createConnection(myConfig);
    c.on('error', () => {});
    conns.push(c);
    return c;
  }

  it('the running statement fails timed until the loss; the one queued behind it untimed', async () => {
    const m = everyQueryMonitor(monitors);
    const conn = instrumentMysql(open(), m);
    const killer = open().promise();
    const [[who]] = (await conn.promise().query('SELECT CONNECTION_ID() AS id')) as unknown as [
      [{ id: number }],
    ];
    const called = performance.now();
    let failedAt = Number.NaN;
    const running = conn
      .promise()
      .query('SELECT SLEEP(30) AS killed')
      .then(
        () => 'ok',
        (e: Error) => {
          failedAt = performance.now();
          return e.message;
        },
      );
    const returned = performance.now();
    const behind = conn
      .promise()
      .query('SELECT 2 AS behind')
      .then(
        () => 'ok',
        () => 'error',
      );
    // Kill once the server runs the sleep.
    for (let i = 0; i < 500; i++) {
      const [rows] = (await killer.query(
        'SELECT COUNT(*) AS n FROM information_schema.PROCESSLIST WHERE ID = ? AND INFO LIKE ?',
        [who.id, 'SELECT SLEEP(30)%'],
      )) as unknown as [[{ n: number }]];
      if (Number(rows[0].n) > 0) break;
      await new Promise((r) => setTimeout(r, 10));
    }
    const killing = performance.now();
    await killer.query(`KILL ${Number(who.id)}`);
    expect(await running).not.toBe('ok');
    expect(await behind).toBe('error');

    const log = m.queries.slowQueries();
    const killed = log.filter((s) => s.fingerprint === 'SELECT SLEEP(?) AS killed');
    expect(killed.map((s) => s.failed)).toEqual([true]);
    expect(killed[0]!.duration_ms).toBeGreaterThanOrEqual(killing - returned - 0.0005);
    expect(killed[0]!.duration_ms).toBeLessThanOrEqual(failedAt - called + 0.0005);
    const rows = m.queries.rows();
    const behindRow = rows.find((r) => r.fingerprint === 'SELECT ? AS behind');
    expect([behindRow?.count, behindRow?.errors]).toEqual([1, 1]);
    expect(log.some((s) => s.fingerprint === 'SELECT ? AS behind')).toBe(false); // never ran: no duration
    expect(m.queries.report().window_count).toBe(2); // CONNECTION_ID and the killed sleep; no ticket left open
    await killer.end();
  });
});
