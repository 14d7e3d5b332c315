// mysql2 statements on a connection in closed state (outside review rtC): after the server killed the connection (or
// after end()), mysql2 refuses every command itself ("Can't add new command when connection is in closed state");
// none reaches the server. Each counts as a failure with no duration; before, each was a failure of ~0.03 ms in the
// percentiles, the window and the slow log. Real MariaDB `test` database; the oracle is the server's own KILL, the
// client's refusal, and the statements the test sent.

import mysql from 'mysql2';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMonitor, type SystemMonitor } from '../../src/monitor.js';
import { instrumentMysql } from '../../src/profiling/instrument-mysql.js';
import { myConfig, mysqlMissing } from '../helpers/databases.js';

type Conn = ReturnType<typeof mysql.createConnection>;

describe.skipIf(mysqlMissing)('instrumentMysql: statements on a closed connection', () => {
  let m: SystemMonitor;
  const conns: Conn[] = [];
  beforeAll(() => {
    m = createMonitor({
      sampleIntervalMs: 0,
      logger: { warn() {}, error() {} },
      queries: { slowThresholdMs: 0, slowLogSize: 100 },
    });
    m.queries.inFlightMinMs = 0; // a ticket left open would show in window_count
  });
  afterAll(async () => {
    for (const c of conns) c.destroy();
    await m?.close();
  });

  function open(): Conn {
    const c = mysql.createConnection(myConfig);
    c.on('error', () => {});
    conns.push(c);
    return c;
  }

  /** Runs `sql` in callback form; resolves with the error message, or 'ok'. */
  const run = (c: Conn, sql: string) =>
    new Promise<string>((resolve) => c.query(sql, (err) => resolve(err ? err.message : 'ok')));

  it('counts each refusal as a failure with no duration (killed by the server, and after end())', async () => {
    const killed = instrumentMysql(open(), m);
    const id = await new Promise<number>((resolve, reject) =>
      killed.query('SELECT CONNECTION_ID() AS id', (err, rows) =>
        err ? reject(err) : resolve((rows as Array<{ id: number }>)[0]?.id as number),
      ),
    );
    const closedNow = new Promise((resolve) => killed.once('end', resolve));
    const killer = open();
    expect(await run(killer, `KILL ${Number(id)}`)).toBe('ok');
    await closedNow; // the server closed the socket: mysql2 is now in closed state
    const before = m.queries.report();

    const refusal = "Can't add new command when connection is in closed state";
    const outcomes: string[] = [];
    for (let i = 0; i < 3; i++) outcomes.push(await run(killed, 'SELECT 42 AS dead'));
    outcomes.push(
      await killed
        .promise()
        .query('SELECT 42 AS dead')
        .then(
          () => 'ok',
          (e: Error) => e.message,
        ),
    );
    outcomes.push(
      await new Promise<string>((resolve) =>
        killed.execute('SELECT ? AS dead', [42], (err) => resolve(err ? err.message : 'ok')),
      ),
    );
    // Event-emitter form: mysql2 reports the refusal on the connection, the statement never ends.
    const emitted = new Promise<string>((resolve) => killed.once('error', (e: Error) => resolve(e.message)));
    killed.query('SELECT 42 AS dead');
    outcomes.push(await emitted);

    // After end(): the same refusal, on a connection the test closed itself.
    const ended = instrumentMysql(open(), m);
    expect(await run(ended, 'SELECT 7 AS alive')).toBe('ok');
    ended.end();
    outcomes.push(await run(ended, 'SELECT 7 AS alive'));

    // The first statement right after the server closed the socket may meet Node's refusal to write on it instead.
    expect(outcomes.slice(1)).toEqual(Array(6).fill(refusal));
    expect([refusal, 'This socket has been ended by the other party']).toContain(outcomes[0]);
    const after = m.queries.report();
    const row = (r: typeof after, fp: string) => r.fingerprints.find((f) => f.fingerprint === fp);
    // Counted as failures; no time, not in the window nor in the slow log (threshold 0).
    expect([row(after, 'SELECT ? AS dead')?.count, row(after, 'SELECT ? AS dead')?.errors]).toEqual([6, 6]);
    expect(row(after, 'SELECT ? AS dead')?.total_ms).toBe(0);
    expect([row(after, 'SELECT ? AS alive')?.count, row(after, 'SELECT ? AS alive')?.errors]).toEqual([2, 1]);
    expect(after.window_count - before.window_count).toBe(1); // the one SELECT 7 the server ran
    expect(after.slow_queries.filter((s) => s.fingerprint === 'SELECT ? AS dead')).toEqual([]);
    // The statements the server ran keep their time.
    expect(after.slow_queries.filter((s) => s.fingerprint === 'SELECT ? AS alive')).toHaveLength(1);
    expect(row(after, 'SELECT CONNECTION_ID() AS id')?.count).toBe(1);
  });
});
