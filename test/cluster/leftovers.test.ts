// Outside review F5: the socket directory kept a ledger (and often a socket) per node:cluster run, forever
// (`node-cluster-<primary pid>` is never used again). An aggregator removes the files of clusters that
// ended: a node:cluster run whose primary is gone, or any cluster untouched for the 7-day history window,
// and only when its socket is dead. Real files, real sockets, real processes; then real node:cluster runs.

import { spawn, spawnSync } from 'node:child_process';
import {
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  rmSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { pruneStale, STALE_AFTER_MS } from '../../src/cluster/leftovers.js';
import { BASE, getJson, startNodeCluster, until } from './helpers.js';

const dirs: string[] = [];
const servers: Server[] = [];
afterAll(() => {
  for (const s of servers) s.close();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

/** A pid that existed and is gone (a child that ran and exited). */
const deadPid = () =>
  spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))']).stdout.toString();

function ledger(dir: string, name: string, ageMs: number, owner?: number): string {
  const path = join(dir, `${name}.ledger.json`);
  writeFileSync(path, JSON.stringify({ v: 1, saved_at: 0, workers: [], ...(owner ? { owner } : {}) }));
  const t = (Date.now() - ageMs) / 1000;
  utimesSync(path, t, t);
  return path;
}

/** A socket file left at `path` by a process SIGKILLed while listening on it, aged `ageMs`. */
async function deadSocket(path: string, ageMs: number): Promise<void> {
  const child = spawn(
    process.execPath,
    ['-e', `require('net').createServer().listen(${JSON.stringify(path)}, () => console.log('up'))`],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  await new Promise((r) => child.stdout.once('data', r));
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGKILL');
  await exited;
  const t = (Date.now() - ageMs) / 1000;
  utimesSync(path, t, t);
}

describe('cluster leftovers', () => {
  it.runIf(process.platform !== 'win32')(
    'removes a dead lock with no ledger beside it and a dead temporary lock, a minute old (outside review N3)',
    async () => {
      const dir = mkdtempSync(join(tmpdir(), 'sysvitals-leftovers-'));
      dirs.push(dir);
      const orphan = join(dir, 'aaaa.lock'); // an aggregator SIGKILLed before it wrote a ledger
      await deadSocket(orphan, 120_000);
      const temp = join(dir, 'bbbb.lock.4242-0a1b2c3d4e5f.tmp'); // a candidate killed between bind and link
      await deadSocket(temp, 120_000);
      const young = join(dir, 'cccc.lock'); // dead, but a candidate may be about to take it over
      await deadSocket(young, 10_000);
      const live = join(dir, 'dddd.lock'); // held: a cluster whose aggregator has not written its ledger yet
      const held = createServer().listen(live);
      servers.push(held);
      await new Promise((r) => held.once('listening', r));
      const t = (Date.now() - 120_000) / 1000;
      utimesSync(live, t, t);
      const removed = await pruneStale(dir, join(dir, 'own.ledger.json'), Date.now());
      // Before the fix: nothing removed, the orphan lock stayed for good.
      expect(removed.sort()).toEqual([orphan, temp].sort());
      expect(existsSync(orphan)).toBe(false);
      expect(existsSync(temp)).toBe(false);
      expect(lstatSync(young).isSocket()).toBe(true);
      expect(lstatSync(live).isSocket()).toBe(true);
      expect(readdirSync(dir).filter((f) => f.includes('.claim-'))).toEqual([]);
    },
  );

  it("removes a gone primary's run and week-old clusters with dead sockets; keeps live, recent and served ones", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sysvitals-leftovers-'));
    dirs.push(dir);
    const dead = Number(deadPid());
    const now = Date.now();
    const gone = ledger(dir, 'gone', 120_000, dead);
    writeFileSync(join(dir, 'gone.sock'), ''); // a socket file nobody serves any more
    writeFileSync(join(dir, 'gone.lock'), ''); // its lock, left by a killed aggregator
    const week = ledger(dir, 'week', STALE_AFTER_MS + 60_000);
    const running = ledger(dir, 'running', 120_000, process.pid); // its primary is alive
    const recent = ledger(dir, 'recent', 10_000, dead); // written a moment ago: an election may be under way
    const six = ledger(dir, 'six', STALE_AFTER_MS - 3600_000);
    const served = ledger(dir, 'served', STALE_AFTER_MS + 60_000, dead);
    // A week-old ended cluster whose lock is somehow still held: the lock is never removed while it answers.
    const held = createServer().listen(join(dir, 'week.lock'));
    servers.push(held);
    await new Promise((r) => held.once('listening', r));
    const server = createServer().listen(join(dir, 'served.sock'));
    servers.push(server);
    await new Promise((r) => server.once('listening', r));
    const own = ledger(dir, 'own', STALE_AFTER_MS + 60_000, dead); // the asking cluster's own
    const removed = await pruneStale(dir, own, now);
    expect(removed.sort()).toEqual([gone, week].sort());
    for (const kept of [running, recent, six, served, own]) expect(existsSync(kept)).toBe(true);
    expect(existsSync(join(dir, 'gone.sock'))).toBe(false);
    expect(existsSync(join(dir, 'gone.lock'))).toBe(false);
    expect(existsSync(join(dir, 'week.lock'))).toBe(true);
    expect(existsSync(join(dir, 'served.sock'))).toBe(true);
  });

  it('a node:cluster run removes the ledger and socket of an earlier run whose primary is gone', async () => {
    const socketDir = join(mkdtempSync(join(tmpdir(), 'sysvitals-leftovers-')), 'sock');
    dirs.push(socketDir);
    mkdirSync(socketDir, { mode: 0o700 });
    const files = () =>
      readdirSync(socketDir).filter((f) => f.endsWith('.ledger.json') || f.endsWith('.sock'));
    // The default node:cluster name (node-cluster-<primary pid>): CLUSTER_NAME empty.
    const env = { SOCKET_DIR: socketDir, CLUSTER_NAME: '' };
    const first = await startNodeCluster(env, 2);
    await until(
      async () => (await getJson(first.port, `${BASE}/metrics`)).data.data.cluster?.complete,
      60_000,
    );
    await first.stop();
    const left = files().filter((f) => f.endsWith('.ledger.json'));
    expect(left).toHaveLength(1);
    // The run ended a while ago (the minute guard against removing a ledger in an election).
    const t = (Date.now() - 120_000) / 1000;
    utimesSync(join(socketDir, left[0] as string), t, t);
    const second = await startNodeCluster(env, 2);
    try {
      await until(
        async () => (await getJson(second.port, `${BASE}/metrics`)).data.data.cluster?.complete,
        60_000,
      );
      await until(async () => !files().includes(left[0] as string), 10_000);
      // What remains is the second run's own.
      expect(files().filter((f) => f.endsWith('.ledger.json'))).toHaveLength(1);
      expect(files()).not.toContain(left[0]!.replace('.ledger.json', '.sock'));
    } finally {
      await second.stop();
    }
  }, 180_000);
});
