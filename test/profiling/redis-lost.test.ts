// ioredis commands written to a connection the server then closed before replying (CLIENT KILL from another
// connection, the server's death): the attempt is a failure timed until the loss was seen; it reached the server, so
// its time is real (outside review gapsQ). Before: resent on reconnect (autoResendUnfulfilledCommands, the default),
// it read the loss, the reconnect and the second answer as one success; failed when retries ran out, it read every
// retry; with autoResendUnfulfilledCommands false (ioredis then never settles it), it stayed in flight for ever. A
// resent command is timed again, from its new write, as the attempt it is. A private redis-server (CLIENT PAUSE WRITE
// holds the command on the server, unanswered, until the kill); oracles: the times the test saw around the write,
// the kill, the socket's close and the reply, and the server's own count of SETs run.

import { Redis, type RedisOptions } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SystemMonitor } from '../../src/monitor.js';
import { instrumentRedis } from '../../src/profiling/instrument-redis.js';
import { everyQueryMonitor } from '../helpers/query-monitor.js';
import { type RedisServer, requireRedis, startRedis } from '../helpers/redis-server.js';

const settle = (p: Promise<unknown>) =>
  p.then(
    () => 'ok',
    (e: Error) => e.name,
  );

describe.skipIf(!requireRedis())(
  'instrumentRedis: a command whose connection is lost before its reply',
  () => {
    let server: RedisServer;
    let admin: Redis; // not instrumented
    const clients: Redis[] = [];
    const monitors: SystemMonitor[] = [];
    const servers: RedisServer[] = [];
    beforeAll(async () => {
      server = await startRedis();
      servers.push(server);
      admin = new Redis(server.port, '127.0.0.1', { maxRetriesPerRequest: null });
      admin.on('error', () => {});
    });
    afterAll(async () => {
      for (const c of clients) c.disconnect();
      admin?.disconnect();
      for (const m of monitors) await m.close();
      for (const s of servers) await s.stop();
    });

    const monitor = (): SystemMonitor => everyQueryMonitor(monitors);

    function client(m: SystemMonitor, port: number, options: RedisOptions): Redis {
      const c = instrumentRedis(new Redis(port, '127.0.0.1', options), m);
      c.on('error', () => {});
      clients.push(c);
      return c;
    }

    /** Waits until the server holds a SET, unanswered (postponed by CLIENT PAUSE WRITE); `id`: from that client. */
    async function heldOnServer(via: Redis, id?: number): Promise<number> {
      for (let i = 0; i < 500; i++) {
        const list = String(
          await via.call('CLIENT', 'LIST', ...(id === undefined ? [] : ['ID', String(id)])),
        );
        if (/ cmd=set /.test(list)) return performance.now();
        await new Promise((r) => setTimeout(r, 10));
      }
      throw new Error('the SET never reached the server');
    }

    /** Issues a SET held on the server, then loses its connection by `kill`; what the test saw, in order. */
    async function lostSet(c: Redis, via: Redis, kill: (id: number) => Promise<unknown>) {
      await c.ping(); // connected: the SET is written during its call
      const id = Number(await c.client('ID'));
      await via.call('CLIENT', 'PAUSE', '20000', 'WRITE');
      const called = performance.now();
      const reply = settle(c.set('sv-lost', '1'));
      const returned = performance.now();
      let closed = Number.NaN;
      (c as unknown as { stream: NodeJS.EventEmitter }).stream.once('close', () => {
        closed = performance.now();
      });
      await heldOnServer(via, id);
      const killing = performance.now();
      await kill(id);
      return { called, returned, killing, reply, closed: () => closed };
    }

    function setLog(m: SystemMonitor) {
      return m.queries
        .slowQueries()
        .filter((s) => s.fingerprint === 'SET')
        .reverse(); // oldest first
    }

    it('resent on reconnect (the default): the lost write a failure until the loss, the resend timed anew', async () => {
      const m = monitor();
      const c = client(m, server.port, { retryStrategy: () => 10 });
      await admin.config('RESETSTAT');
      const seen = await lostSet(c, admin, (id) => admin.call('CLIENT', 'KILL', 'ID', String(id)));
      // Reconnected, the SET written again and held by the pause: release it.
      const held = await heldOnServer(admin);
      const released = performance.now();
      await admin.call('CLIENT', 'UNPAUSE');
      expect(await seen.reply).toBe('ok');
      const answered = performance.now();
      const log = setLog(m);
      expect(log.map((s) => s.failed)).toEqual([true, false]);
      // The lost attempt: from its write (during the call) to the socket's close (seen by the test after the
      // instrumentation, and after the kill was sent).
      expect(log[0]!.duration_ms).toBeGreaterThanOrEqual(seen.killing - seen.returned - 0.0005);
      expect(log[0]!.duration_ms).toBeLessThanOrEqual(seen.closed() - seen.called + 0.0005);
      // The resend: written after the loss, answered before the test saw the reply; held until the unpause.
      expect(log[1]!.duration_ms).toBeLessThanOrEqual(answered - seen.closed() + 0.0005);
      expect(log[1]!.duration_ms).toBeGreaterThanOrEqual(released - held - 0.0005);
      const row = m.queries.rows().find((r) => r.fingerprint === 'SET');
      expect([row?.count, row?.errors]).toEqual([2, 1]);
      // The server ran the SET once (the killed one never ran): one success.
      const stats = String(await admin.info('commandstats'));
      expect(/cmdstat_set:calls=(\d+)/.exec(stats)?.[1]).toBe('1');
      expect(m.queries.report().window_count).toBe(log.length + 2); // + PING, CLIENT ID: no ticket left open
    });

    it('not resent (autoResendUnfulfilledCommands false): counted at the loss, nothing left in flight', async () => {
      const m = monitor();
      const c = client(m, server.port, { retryStrategy: () => 10, autoResendUnfulfilledCommands: false });
      const seen = await lostSet(c, admin, (id) => admin.call('CLIENT', 'KILL', 'ID', String(id)));
      await admin.call('CLIENT', 'UNPAUSE');
      // ioredis drops it on reconnect and never settles it; the client works again.
      expect(await c.get('sv-lost-other')).toBe(null);
      const log = setLog(m);
      expect(log.map((s) => s.failed)).toEqual([true]);
      expect(log[0]!.duration_ms).toBeGreaterThanOrEqual(seen.killing - seen.returned - 0.0005);
      expect(log[0]!.duration_ms).toBeLessThanOrEqual(seen.closed() - seen.called + 0.0005);
      const row = m.queries.rows().find((r) => r.fingerprint === 'SET');
      expect([row?.count, row?.errors]).toEqual([1, 1]);
      expect(m.queries.report().window_count).toBe(4); // PING, CLIENT ID, the SET, GET: no ticket left open
    });

    it('the server gone, retries run out: a failure timed until the loss, not until ioredis gave up', async () => {
      const dying = await startRedis();
      servers.push(dying);
      const via = new Redis(dying.port, '127.0.0.1', { maxRetriesPerRequest: 0, retryStrategy: () => null });
      via.on('error', () => {});
      clients.push(via);
      const m = monitor();
      // Three reconnects 100 ms apart, then ioredis rejects it (MaxRetriesPerRequestError).
      const c = client(m, dying.port, { retryStrategy: () => 100, maxRetriesPerRequest: 2 });
      const seen = await lostSet(c, via, () => dying.kill('SIGKILL'));
      expect(await seen.reply).toBe('MaxRetriesPerRequestError');
      const log = setLog(m);
      expect(log.map((s) => s.failed)).toEqual([true]);
      expect(log[0]!.duration_ms).toBeGreaterThanOrEqual(seen.killing - seen.returned - 0.0005);
      expect(log[0]!.duration_ms).toBeLessThanOrEqual(seen.closed() - seen.called + 0.0005);
      expect(m.queries.report().window_count).toBe(3); // PING, CLIENT ID, the SET
    });
  },
);
