// Helpers for the cluster tests: start the fixture app as real processes, load it over fresh
// connections (so the primary spreads them over the workers), read the logged durations.

import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';

export const FIXTURE = join(import.meta.dirname, 'fixtures', 'app.ts');
export const BASE = '/api/core/admin/system';

export interface Started {
  proc: ChildProcess;
  port: number;
  pids: number[];
  dir: string;
  logDir: string;
  events: Array<Record<string, unknown>>;
  stop(): Promise<void>;
}

/** A scratch directory with a private (0700) socket dir and a log dir. */
export function scratch(): { dir: string; socketDir: string; logDir: string; cleanup(): void } {
  const dir = mkdtempSync(join(tmpdir(), 'sysvitals-cluster-'));
  return {
    dir,
    socketDir: join(dir, 'sock'),
    logDir: dir,
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
}

export async function startNodeCluster(env: Record<string, string>, workers = 4): Promise<Started> {
  const s = scratch();
  const proc = spawn(process.execPath, ['--import', 'tsx', FIXTURE], {
    env: {
      ...process.env,
      MODE: 'cluster',
      WORKERS: String(workers),
      SOCKET_DIR: s.socketDir,
      LOG_DIR: s.logDir,
      CLUSTER_NAME: `t${process.pid}-${Date.now()}`,
      ...env,
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const events: Array<Record<string, unknown>> = [];
  const ready = new Promise<{ port: number; pids: number[] }>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('cluster did not start in 60 s')), 60_000);
    createInterface({ input: proc.stdout! }).on('line', (line) => {
      let msg: Record<string, unknown>;
      try {
        msg = JSON.parse(line);
      } catch {
        return;
      }
      events.push(msg);
      if (msg.ready) {
        clearTimeout(timer);
        resolve({ port: msg.port as number, pids: msg.pids as number[] });
      }
    });
    proc.once('exit', (code) => reject(new Error(`cluster exited early (${code})`)));
  });
  const { port, pids } = await ready;
  return {
    proc,
    port,
    pids,
    dir: s.dir,
    logDir: s.logDir,
    events,
    stop: async () => {
      if (proc.exitCode === null) {
        const exited = new Promise((r) => proc.once('exit', r));
        proc.kill('SIGTERM');
        await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))]);
        if (proc.exitCode === null) proc.kill('SIGKILL');
      }
      s.cleanup();
    },
  };
}

export interface Reply {
  status: number;
  body: string;
  headers: Record<string, string | string[] | undefined>;
}

/** One GET over a new connection (no keep-alive), so that consecutive requests reach different workers. */
/** The admin token of a cluster started with `ADMIN_TOKEN: CLUSTER_TEST_TOKEN` (loopback mode ignores it). */
export const CLUSTER_TEST_TOKEN = 'cluster-test-token-0123456789abcdef';

export function get(port: number, path: string): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const headers = { authorization: `Bearer ${CLUSTER_TEST_TOKEN}` };
    const req = request({ host: '127.0.0.1', port, path, agent: false, headers }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c) => {
        body += c;
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body, headers: res.headers }));
    });
    req.on('error', reject);
    // A connection handed to a worker that was just killed may never be answered.
    req.setTimeout(5000, () => req.destroy(new Error('timeout')));
    req.end();
  });
}

// biome-ignore lint/suspicious/noExplicitAny: tests read arbitrary JSON documents.
export async function getJson(port: number, path: string): Promise<{ status: number; data: any }> {
  const r = await get(port, path);
  return { status: r.status, data: JSON.parse(r.body) };
}

export interface LoadResult {
  sent: number;
  byStatus: Record<number, number>;
  failed: number;
}

/**
 * `count` requests to /work with the given concurrency, statuses and delays from a fixed pseudo-random
 * sequence; counts what came back by status (a request that failed at the socket is counted apart).
 */
export async function load(port: number, count: number, concurrency = 8, seed = 1): Promise<LoadResult> {
  let x = seed;
  const rand = () => {
    x = (x * 1103515245 + 12345) % 2147483648;
    return x / 2147483648;
  };
  const statuses = [200, 200, 200, 201, 404, 500];
  const plan = Array.from({ length: count }, () => ({
    ms: Math.floor(rand() * 20),
    status: statuses[Math.floor(rand() * statuses.length)] as number,
  }));
  const result: LoadResult = { sent: 0, byStatus: {}, failed: 0 };
  let next = 0;
  const run = async () => {
    while (next < plan.length) {
      const p = plan[next++]!;
      result.sent++;
      try {
        const r = await get(port, `/work?ms=${p.ms}&status=${p.status}`);
        result.byStatus[r.status] = (result.byStatus[r.status] ?? 0) + 1;
      } catch {
        result.failed++;
      }
    }
  };
  await Promise.all(Array.from({ length: concurrency }, run));
  return result;
}

/** Every duration (ms) the workers logged as recorded, with its status. */
export function loggedRequests(
  logDir: string,
): Array<{ pid: number; status: number; ms: number; at: number }> {
  const out: Array<{ pid: number; status: number; ms: number; at: number }> = [];
  for (const f of readdirSync(logDir)) {
    if (!f.endsWith('.log')) continue;
    const pid = Number(f.slice(0, -4));
    for (const line of readFileSync(join(logDir, f), 'utf8').split('\n')) {
      if (!line) continue;
      const [status, ms, at] = line.split(' ');
      out.push({ pid, status: Number(status), ms: Number(ms), at: Number(at) });
    }
  }
  return out;
}

/** The value of one sample line of a Prometheus exposition (summed over matching label sets). */
export function promValue(text: string, name: string, labelFilter = ''): number {
  let sum = 0;
  for (const line of text.split('\n')) {
    if (line.startsWith('#')) continue;
    const m = /^([a-zA-Z_:][\w:]*)(\{[^}]*\})? (\S+)$/.exec(line);
    if (!m || m[1] !== name) continue;
    if (labelFilter && !(m[2] ?? '').includes(labelFilter)) continue;
    sum += Number(m[3]);
  }
  return sum;
}

/** Polls `fn` until it returns a truthy value (or throws after `timeoutMs`). */
export async function until<T>(fn: () => Promise<T | undefined | false>, timeoutMs = 10_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < end) {
    try {
      const v = await fn();
      if (v) return v;
    } catch (err) {
      last = err;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`condition not met in ${timeoutMs} ms${last ? `: ${String(last)}` : ''}`);
}

/**
 * After a takeover every live worker answered; the window still lacks what only the dead aggregator
 * held (`missing: ['aggregator-window']` for a window's length), which is expected.
 */
export const afterTakeover = (cl: { missing: string[] }) =>
  cl.missing.every((m) => m === 'aggregator-window');
