// The commands ioredis sends on its own are not the application's queries: not timed, counted or logged slow (outside
// review q2: a `CLUSTER` row from an ioredis Cluster's ready check; `READONLY` and `SELECT` rows on a standalone client
// no application code sent). ioredis sends, on each (re)connect, AUTH, SELECT of `db`, CLIENT SETNAME/SETINFO and the
// ready check's INFO (status `connect`, already left out), then as it turns ready READONLY (`readOnly`) and a SELECT
// back to the database in use before the reconnect; a Cluster checks readiness with CLUSTER INFO (status `connect`),
// refreshes its slots with CLUSTER SLOTS on a connection of its own (not instrumented), and in a pipeline answered
// -ASK writes ASKING before the redirected command. Private redis-servers; oracles: the commands the test itself
// issued, and the servers' own command counts (INFO commandstats) showing ioredis did send the others.

import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Cluster, Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import type { SystemMonitor } from '../../src/monitor.js';
import { instrumentRedis } from '../../src/profiling/instrument-redis.js';
import { everyQueryMonitor } from '../helpers/query-monitor.js';
import {
  freePort,
  type RedisCluster,
  type RedisServer,
  requireRedis,
  startRedis,
  startRedisCluster,
} from '../helpers/redis-server.js';

/** `cmdstat_<name>:calls=N` of a server's INFO commandstats (Redis 7 names subcommands `client|setname`). */
async function calls(via: Redis, name: string): Promise<number> {
  const stats = String(await via.info('commandstats'));
  const line = stats.split('\r\n').find((l) => l.startsWith(`cmdstat_${name}:`));
  return Number(/calls=(\d+)/.exec(line ?? '')?.[1] ?? 0);
}

function rowsOf(m: SystemMonitor): Array<[string, number, number]> {
  return m.queries
    .rows()
    .map((r): [string, number, number] => [r.fingerprint, r.count, r.errors])
    .sort((a, b) => a[0].localeCompare(b[0]));
}

describe.skipIf(!requireRedis())('instrumentRedis: the commands ioredis sends on its own', () => {
  const servers: RedisServer[] = [];
  const clusters: RedisCluster[] = [];
  const clients: Array<Redis | Cluster> = [];
  const monitors: SystemMonitor[] = [];
  const cleanups: Array<() => Promise<void> | void> = [];
  afterAll(async () => {
    for (const c of clients) c.disconnect();
    for (const f of cleanups) await f();
    for (const m of monitors) await m.close();
    for (const s of servers) await s.stop();
    for (const c of clusters) await c.stop();
  });

  const monitor = (): SystemMonitor => everyQueryMonitor(monitors);

  it('a standalone client: AUTH, SELECT, CLIENT, INFO, READONLY and the SELECT restored on reconnect are left out', async () => {
    const server = await startRedis();
    servers.push(server);
    const setup = new Redis(server.port, '127.0.0.1');
    await setup.config('SET', 'requirepass', 'pw');
    setup.disconnect();
    const admin = new Redis(server.port, '127.0.0.1', { password: 'pw' });
    admin.on('error', () => {});
    clients.push(admin);
    const m = monitor();
    const c = instrumentRedis(
      new Redis({
        port: server.port,
        host: '127.0.0.1',
        password: 'pw',
        db: 2,
        connectionName: 'sv-app',
        readOnly: true,
        retryStrategy: () => 20,
      }),
      m,
    );
    c.on('error', () => {});
    clients.push(c);
    await c.set('a', '1'); // db 2
    await c.select(3);
    await c.set('b', '1'); // db 3
    const id = String(await c.client('ID'));
    const ready = new Promise((r) => c.once('ready', r));
    await admin.call('CLIENT', 'KILL', 'ID', id);
    await ready;
    // ioredis went back to db 3 on its own (its SELECT after the handshake's SELECT 2).
    expect(await c.get('b')).toBe('1');
    // The server saw ioredis's own commands on both connections.
    expect(await calls(admin, 'select')).toBe(4); // 2 handshakes, the test's, the restore
    expect(await calls(admin, 'readonly')).toBe(2);
    expect(await calls(admin, 'client|setname')).toBe(2);
    expect(await calls(admin, 'info')).toBeGreaterThanOrEqual(2);
    expect(await calls(admin, 'auth')).toBeGreaterThanOrEqual(2);
    // Only the test's commands are queries.
    expect(rowsOf(m)).toEqual([
      ['CLIENT', 1, 0],
      ['GET', 1, 0],
      ['SELECT', 1, 0],
      ['SET', 2, 0],
    ]);
  });

  it("a Cluster: its ready check's CLUSTER INFO, its slot refreshes and a pipeline's ASKING are left out", async () => {
    const cluster = await startRedisCluster(3);
    clusters.push(cluster);
    const m = monitor();
    const c = instrumentRedis(new Cluster(cluster.startupNodes, { slotsRefreshInterval: 50 }), m);
    c.on('error', () => {});
    clients.push(c);
    await c.set('other', '1');
    const slot = Number(await c.cluster('KEYSLOT', 'sv-ask')); // the application's own CLUSTER command: counted
    // A few slot refreshes (CLUSTER SLOTS on connections of ioredis's own).
    await new Promise((r) => setTimeout(r, 200));
    // An ASK redirection: the slot migrating from its node to another, the key on neither.
    const owner = Number((c as unknown as { slots: string[][] }).slots[slot]![0]!.split(':')[1]);
    const ports = cluster.nodes.map((n) => n.port);
    const target = ports.find((p) => p !== owner)!;
    const admins = ports.map((p) => new Redis(p, '127.0.0.1'));
    for (const a of admins) a.on('error', () => {});
    clients.push(...admins);
    const adminOf = (port: number) => admins[ports.indexOf(port)]!;
    const ownerId = String(await adminOf(owner).cluster('MYID'));
    const targetId = String(await adminOf(target).cluster('MYID'));
    await adminOf(target).cluster('SETSLOT', slot, 'IMPORTING', ownerId);
    await adminOf(owner).cluster('SETSLOT', slot, 'MIGRATING', targetId);
    let called = Number.NaN;
    let answered = Number.NaN;
    try {
      called = performance.now();
      expect(await c.pipeline().get('sv-ask').exec()).toEqual([[null, null]]);
      answered = performance.now();
    } finally {
      await adminOf(owner).cluster('SETSLOT', slot, 'STABLE');
      await adminOf(target).cluster('SETSLOT', slot, 'STABLE');
    }
    // The servers saw ioredis's own commands.
    let info = 0;
    let slots = 0;
    for (const a of admins) {
      info += await calls(a, 'cluster|info');
      slots += await calls(a, 'cluster|slots');
    }
    expect(info).toBeGreaterThanOrEqual(1);
    expect(slots).toBeGreaterThanOrEqual(3);
    expect(await calls(adminOf(target), 'asking')).toBe(1);
    // Only the test's commands are queries; the pipeline's GET, answered -ASK by its slot's node and then by the
    // target, is one success from its first write to its final reply (as ioredis follows a single command's redirect
    // within its one promise).
    expect(rowsOf(m)).toEqual([
      ['CLUSTER', 1, 0],
      ['GET', 1, 0],
      ['SET', 1, 0],
    ]);
    const get = m.queries.slowQueries().find((q) => q.fingerprint === 'GET');
    expect(get?.duration_ms).toBeLessThanOrEqual(answered - called + 0.0005);
    expect(m.queries.report().window_count).toBe(3); // no ticket left open
  }, 30_000);

  it("a Sentinel client: the sentinels' queries and the role check are left out", async () => {
    const master = await startRedis();
    servers.push(master);
    const dir = mkdtempSync(join(tmpdir(), 'sysvitals-sentinel-'));
    const port = await freePort();
    const conf = join(dir, 'sentinel.conf');
    writeFileSync(
      conf,
      `port ${port}\nbind 127.0.0.1\ndir ${dir}\nsentinel monitor sv-master 127.0.0.1 ${master.port} 1\n`,
    );
    const sentinel = spawn('redis-server', [conf, '--sentinel'], { stdio: 'ignore' });
    cleanups.push(async () => {
      if (sentinel.exitCode === null && sentinel.signalCode === null) {
        const exited = new Promise((r) => sentinel.once('exit', r));
        sentinel.kill('SIGKILL');
        await exited;
      }
      rmSync(dir, { recursive: true, force: true });
    });
    const via = new Redis(port, '127.0.0.1', { retryStrategy: () => 25 });
    via.on('error', () => {});
    clients.push(via);
    expect(String(await via.call('SENTINEL', 'GET-MASTER-ADDR-BY-NAME', 'sv-master'))).toBe(
      `127.0.0.1,${master.port}`,
    );
    const m = monitor();
    const c = instrumentRedis(
      new Redis({ sentinels: [{ host: '127.0.0.1', port }], name: 'sv-master', role: 'master' }),
      m,
    );
    c.on('error', () => {});
    clients.push(c);
    await c.set('s', '1');
    expect(await c.get('s')).toBe('1');
    // Given only the sentinel, ioredis asked it for the master (on a connection of its own): the SET is there.
    const direct = new Redis(master.port, '127.0.0.1');
    clients.push(direct);
    expect(await direct.get('s')).toBe('1');
    expect(await calls(direct, 'info')).toBeGreaterThanOrEqual(1); // ioredis's ready and role check
    expect(rowsOf(m)).toEqual([
      ['GET', 1, 0],
      ['SET', 1, 0],
    ]);
  });
});
