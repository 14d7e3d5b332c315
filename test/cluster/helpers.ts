// Helpers for the cluster tests: start the fixture app as real processes, load it over fresh
// connections (so the primary spreads them over the workers), read the logged durations.

import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { Agent, createServer, request } from 'node:http';
import { type ClientHttp2Session, connect as http2Connect } from 'node:http2';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { afterAll, beforeAll, expect } from 'vitest';
import { readLedger } from '../../src/cluster/ledger.js';
import { createHistogram } from '../../src/latency/histogram.js';
import { microsOf } from '../../src/latency/latency-ring.js';
import { bundled } from '../helpers/bundled.js';

/** The fixture app (fixtures/app.ts) bundled for this run: node:cluster primary, its workers and PM2's run it. */
export const clusterApp = (): string => bundled('cluster-app');
export const BASE = '/api/core/admin/system';

export interface Started {
  proc: ChildProcess;
  port: number;
  pids: number[];
  dir: string;
  logDir: string;
  events: Array<Record<string, unknown>>;
  stop(): Promise<void>;
  /**
   * Teardown when nothing is read after it: SIGKILLs the primary (its workers exit as their IPC channel closes).
   * stop()'s SIGTERM closes the whole cluster at once: the aggregator goes first and each other worker waits for a
   * successor to acknowledge its last report up to closeTimeoutMs (5 s), so the primary's own 3 s bound ended it.
   */
  kill(): Promise<void>;
  /** What the primary and its workers wrote on stderr, when started with `stderr: 'pipe'` ('' when inherited). */
  stderr(): string;
}

/** A scratch directory with a private (0700) socket dir and a log dir. */
export function scratch(): { dir: string; socketDir: string; logDir: string; cleanup(): void } {
  const dir = mkdtempSync(join(tmpdir(), 'sysvitals-cluster-'));
  return {
    dir,
    socketDir: join(dir, 'sock'),
    logDir: dir,
    // Retried: a worker still exiting after its primary may write its last words or ledger into the directory while
    // it is removed (ENOTEMPTY seen in a clean-clone CI run on rolling-close).
    cleanup: () => rmSync(dir, { recursive: true, force: true, maxRetries: 20, retryDelay: 100 }),
  };
}

/** Clusters started by this process: their names differ when two start in the same millisecond (describe.concurrent). */
let clusterSeq = 0;

/**
 * Starts the fixture app as a node:cluster primary with `workers` workers; resolves on its ready line. Its stderr and
 * its workers' are this process's (`inherit`: a crash reads in the run's output), or kept for the test (`pipe`).
 */
export async function startNodeCluster(
  env: Record<string, string>,
  workers = 4,
  stderr: 'inherit' | 'pipe' = 'inherit',
): Promise<Started> {
  const s = scratch();
  const proc = spawn(process.execPath, [clusterApp()], {
    env: {
      ...process.env,
      MODE: 'cluster',
      WORKERS: String(workers),
      SOCKET_DIR: s.socketDir,
      LOG_DIR: s.logDir,
      CLUSTER_NAME: `t${process.pid}-${Date.now()}-${++clusterSeq}`,
      ...env,
    },
    stdio: ['ignore', 'pipe', stderr],
  });
  let errors = '';
  proc.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
    errors += chunk;
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
  /** Every worker the primary announced (the first ones and those forked since) that has not exited, as last logged. */
  const workersNow = () => {
    const every = new Set([
      ...pids,
      ...events.flatMap((e) => (typeof e.listening === 'number' ? [e.listening] : [])),
    ]);
    for (const e of events) if (typeof e.exited === 'number') every.delete(e.exited);
    return every;
  };
  // Before the primary goes: a worker its test stopped (SIGSTOP) and did not continue (it failed first) would never
  // see its channel close and exit: it stayed, stopped, an orphan holding this process's stderr, past its test
  // (lost-primary.test.ts). Continued, while the primary lives: a pid whose parent is the primary is surely its worker.
  const continueWorkers = () => {
    for (const pid of workersNow()) {
      try {
        const ppid = Number(readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ')[1]);
        if (ppid === proc.pid) process.kill(pid, 'SIGCONT');
      } catch {
        // Gone.
      }
    }
  };
  return {
    proc,
    port,
    pids,
    dir: s.dir,
    logDir: s.logDir,
    events,
    stderr: () => errors,
    stop: async () => {
      if (proc.exitCode === null) {
        continueWorkers();
        const exited = new Promise((r) => proc.once('exit', r));
        proc.kill('SIGTERM');
        await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))]);
        if (proc.exitCode === null) proc.kill('SIGKILL');
      }
      // The workers outlive their primary by their own exit (its 'exit' hooks write files): up to 5 s for them, the
      // first ones and every worker forked since (a rolling close's replacements: ENOTEMPTY in a clean-clone CI run
      // when only the first ones were waited for).
      const every = new Set([
        ...pids,
        ...events.flatMap((e) => (typeof e.listening === 'number' ? [e.listening] : [])),
      ]);
      const alive = () =>
        [...every].some((pid) => {
          try {
            process.kill(pid, 0);
            return true;
          } catch {
            return false;
          }
        });
      for (let i = 0; i < 50 && alive(); i++) await new Promise((r) => setTimeout(r, 100));
      s.cleanup();
    },
    kill: async () => {
      if (proc.exitCode === null && proc.signalCode === null) {
        continueWorkers();
        const exited = new Promise((r) => proc.once('exit', r));
        proc.kill('SIGKILL');
        await exited;
      }
      // node:cluster workers exit on their own once the primary's IPC channel is gone (no signal sent to a pid
      // that may have been reused): waited for, a bounded moment. Exited is gone or a zombie (Linux's /proc; the
      // orphans are reaped by whatever adopts them, in its own time).
      const workers = workersNow();
      const alive = (pid: number) => {
        try {
          return readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.[0] !== 'Z';
        } catch {
          return false;
        }
      };
      for (const end = Date.now() + 2000; Date.now() < end && [...workers].some(alive); )
        await new Promise((r) => setTimeout(r, 20));
      s.cleanup();
    },
  };
}

export interface Reply {
  status: number;
  body: string;
  headers: Record<string, string | string[] | undefined>;
}

/** The admin token of a cluster started with `ADMIN_TOKEN: CLUSTER_TEST_TOKEN` (loopback mode ignores it). */
export const CLUSTER_TEST_TOKEN = 'cluster-test-token-0123456789abcdef';

/**
 * One GET over a new connection (no keep-alive), so that consecutive requests reach different workers; given up
 * after `timeoutMs` without an answer (5 s: a connection handed to a worker that was just killed; HANG_GUARD_MS
 * where no worker is killed and a slow answer is no failure).
 */
export function get(port: number, path: string, timeoutMs?: number): Promise<Reply> {
  return getOn(false, port, path, timeoutMs);
}

/** One GET through `agent` (false: a new connection), given up after `timeoutMs` without an answer. */
function getOn(agent: Agent | false, port: number, path: string, timeoutMs = 5000): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const headers = { authorization: `Bearer ${CLUSTER_TEST_TOKEN}` };
    const req = request({ host: '127.0.0.1', port, path, agent, headers }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c) => {
        body += c;
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body, headers: res.headers }));
    });
    req.on('error', reject);
    // A connection handed to a worker that was just killed may never be answered.
    req.setTimeout(timeoutMs, () => req.destroy(new Error('timeout')));
    req.end();
  });
}

/** get(), with the body parsed as JSON. */
export async function getJson(
  port: number,
  path: string,
  timeoutMs?: number,
  // biome-ignore lint/suspicious/noExplicitAny: tests read arbitrary JSON documents.
): Promise<{ status: number; data: any }> {
  const r = await get(port, path, timeoutMs);
  return { status: r.status, data: JSON.parse(r.body) };
}

/** A cluster of h2c servers (APP=fastify-h2): one session per call, a new connection, so calls spread over the workers. */
export function openH2(port: number): ClientHttp2Session {
  const session = http2Connect(`http://127.0.0.1:${port}`);
  session.on('error', () => {});
  return session;
}

/** One GET on an HTTP/2 `session` (with the admin token), as get() makes on HTTP/1.1. */
export function getOnH2(session: ClientHttp2Session, path: string): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const stream = session.request({ ':path': path, authorization: `Bearer ${CLUSTER_TEST_TOKEN}` });
    let status = 0;
    let headers: Reply['headers'] = {};
    let body = '';
    stream.setEncoding('utf8');
    stream.on('response', (h) => {
      status = Number(h[':status']);
      headers = h;
    });
    stream.on('data', (c: string) => {
      body += c;
    });
    stream.on('end', () => resolve({ status, body, headers }));
    stream.on('error', reject);
    // A session handed to a worker that was just killed may never be answered.
    stream.setTimeout(5000, () => stream.destroy(new Error('timeout')));
    stream.end();
  });
}

/** get() on HTTP/2 (h2c): one GET on a session of its own, closed after. */
export async function getH2(port: number, path: string): Promise<Reply> {
  const session = openH2(port);
  try {
    return await getOnH2(session, path);
  } finally {
    session.close();
  }
}

/** metricsOf() on HTTP/2 (h2c). */
export const metricsOfH2 = (port: number, query = ''): Promise<Json> =>
  getH2(port, `${BASE}/metrics${query}`).then((r) => JSON.parse(r.body).data);

export interface LoadResult {
  sent: number;
  byStatus: Record<number, number>;
  failed: number;
  /** load(): each failed request's error (code or message), for a failure's message. */
  reasons?: string[];
}

/** `count` /work requests' delays (0-19 ms) and statuses, from a fixed pseudo-random sequence of `seed`. */
export function workPlan(count: number, seed: number): Array<{ ms: number; status: number }> {
  let x = seed;
  const rand = () => {
    x = (x * 1103515245 + 12345) % 2147483648;
    return x / 2147483648;
  };
  const statuses = [200, 200, 200, 201, 404, 500];
  return Array.from({ length: count }, () => ({
    ms: Math.floor(rand() * 20),
    status: statuses[Math.floor(rand() * statuses.length)] as number,
  }));
}

/**
 * `count` requests to /work with the given concurrency, statuses and delays from a fixed pseudo-random
 * sequence; counts what came back by status (a request that failed at the socket is counted apart).
 * With `stop`, no request is started once it returns true (those under way are awaited). A request unanswered for
 * `timeoutMs` is given up (failed): a connection node:cluster's primary handed to a worker SIGKILLed meanwhile is
 * never answered.
 */
export async function load(
  port: number,
  count: number,
  concurrency = 8,
  seed = 1,
  stop: () => boolean = () => false,
  timeoutMs = 5000,
): Promise<LoadResult> {
  const plan = workPlan(count, seed);
  const result: LoadResult = { sent: 0, byStatus: {}, failed: 0, reasons: [] };
  let next = 0;
  const run = async () => {
    while (next < plan.length && !stop()) {
      const p = plan[next++]!;
      result.sent++;
      try {
        const r = await getOn(false, port, `/work?ms=${p.ms}&status=${p.status}`, timeoutMs);
        result.byStatus[r.status] = (result.byStatus[r.status] ?? 0) + 1;
      } catch (err) {
        result.failed++;
        result.reasons?.push((err as NodeJS.ErrnoException).code ?? String(err));
      }
    }
  };
  await Promise.all(Array.from({ length: concurrency }, run));
  return result;
}

/**
 * load() on HTTP/2 (h2c): `sessions` sessions at once (each a new connection, handed to the next worker), each
 * carrying `streams` /work requests at once, of workPlan(sessions * streams, seed) in order; counted as load() does.
 */
export async function loadH2(port: number, sessions: number, streams: number, seed = 1): Promise<LoadResult> {
  const plan = workPlan(sessions * streams, seed);
  const result: LoadResult = { sent: 0, byStatus: {}, failed: 0 };
  const one = async (s: number) => {
    const session = openH2(port);
    await Promise.all(
      plan.slice(s * streams, (s + 1) * streams).map(async (p) => {
        result.sent++;
        try {
          const r = await getOnH2(session, `/work?ms=${p.ms}&status=${p.status}`);
          result.byStatus[r.status] = (result.byStatus[r.status] ?? 0) + 1;
        } catch {
          result.failed++;
        }
      }),
    );
    session.close();
  };
  await Promise.all(Array.from({ length: sessions }, (_, s) => one(s)));
  return result;
}

/** A request as a worker logged it when recorded. */
export interface LoggedRequest {
  pid: number;
  status: number;
  ms: number;
  at: number;
  method: string;
  route: string;
}

/** Every duration (ms) the workers logged as recorded, with its status, method and route. */
export function loggedRequests(logDir: string): LoggedRequest[] {
  const out: LoggedRequest[] = [];
  for (const f of readdirSync(logDir)) {
    if (!f.endsWith('.log')) continue;
    const pid = Number(f.slice(0, -4));
    for (const line of readFileSync(join(logDir, f), 'utf8').split('\n')) {
      if (!line) continue;
      const [status, ms, at, method = '', ...route] = line.split(' ');
      out.push({
        pid,
        status: Number(status),
        ms: Number(ms),
        at: Number(at),
        method,
        route: route.join(' '),
      });
    }
  }
  return out;
}

/**
 * Whether a logged request is a request in the totals (README "An early close is not a request"): every one but an
 * aborted one (499) whose server-side duration was under `abortedFailureMs` (README: 1000 by default; the fixture sets it with ABORTED_MS only),
 * at the microsecond requests.ts's record() compares. Such a close is logged (record() is called with it) yet counted
 * only in `count_aborted_early`: a client that gives up first (the load's timeout) on a loaded machine makes one.
 */
export function countedAsRequest(r: LoggedRequest, abortedFailureMs = 1000): boolean {
  return !(r.status === 499 && microsOf(r.ms) < abortedFailureMs * 1000);
}

/** The value of one sample line of a Prometheus exposition (summed over matching label sets). */
/**
 * The oracle of a cluster's merged percentiles: p50/p95/p99 equal those of one HDR histogram of every logged duration
 * (the same slot: 2 significant digits), and, unless `max` is false, max_ms at least the longest logged.
 */
export function expectPercentilesOf(
  latency: Record<string, number | null>,
  logged: readonly { ms: number }[],
  { max = true } = {},
): void {
  const oracle = createHistogram();
  for (const r of logged) oracle.recordValue(microsOf(r.ms));
  for (const [p, key] of [
    [50, 'p50_ms'],
    [95, 'p95_ms'],
    [99, 'p99_ms'],
  ] as const) {
    const expected = oracle.getValueAtPercentile(p) / 1000;
    expect(Math.abs((latency[key] as number) - expected)).toBeLessThanOrEqual(expected * 0.01 + 0.001);
  }
  if (max) expect(latency.max_ms).toBeGreaterThanOrEqual(Math.round(oracle.maxValue) / 1000 - 0.001);
}

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

/** The ledger of the (one) cluster whose files are in `socketDir` (throws until there is one). */
export function ledgerIn(socketDir: string) {
  const name = readdirSync(socketDir).find((f) => f.endsWith('.ledger.json'));
  if (name === undefined) throw new Error('no ledger yet');
  return readLedger(join(socketDir, name));
}

/** The cluster's ledger, in the socket directory startNodeCluster made under the cluster's scratch directory. */
export const ledgerOf = (dir: string) => ledgerIn(join(dir, 'sock'));

/**
 * Polls `fn` until it returns a truthy value (or throws after `timeoutMs`); `explain`: what the last attempt saw, in the
 * error, so that a failure says why.
 */
export async function until<T>(
  fn: () => Promise<T | undefined | false>,
  timeoutMs = 10_000,
  explain?: () => string,
): Promise<T> {
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
  const why = explain?.();
  throw new Error(
    `condition not met in ${timeoutMs} ms${last ? `: ${String(last)}` : ''}${why ? ` (last seen: ${why})` : ''}`,
  );
}

/**
 * `read()` repeated (up to `tries` times, 100 ms apart) until `complete(answer)`: a cluster read whose sync round a
 * worker answered after syncTimeoutMs leaves that worker's last interval out, and says so (`cluster.complete` false,
 * `cluster.missing`; a scrape's `sysvitals_cluster_complete` 0): short by design, and common on a loaded machine
 * (CONTRIBUTING, Flakes: 6 December). The last answer is returned even if never complete, for the caller's exact
 * comparison to fail on: a request really lost is short in every complete read too.
 */
export async function completeRead<T>(
  read: () => Promise<T>,
  complete: (answer: T) => boolean,
  tries = 10,
): Promise<T> {
  let answer = await read();
  for (let i = 1; i < tries && !complete(answer); i++) {
    await new Promise((r) => setTimeout(r, 100));
    answer = await read();
  }
  return answer;
}

/** A scrape's own word that every live worker answered its sync round. */
export const scrapeComplete = (text: string | undefined): boolean =>
  text !== undefined && promValue(text, 'sysvitals_cluster_complete') === 1;

/**
 * After a takeover every live worker answered; the window still lacks what only the dead aggregator
 * held (`missing: ['aggregator-window']` for a window's length), which is expected.
 */
export const afterTakeover = (cl: { missing: string[] }) =>
  cl.missing.every((m) => m === 'aggregator-window');

// biome-ignore lint/suspicious/noExplicitAny: tests read arbitrary JSON documents.
type Json = any;

/** The `data` of GET metrics/ (optionally with a query string such as `?instance=<pid>`). */
export const metricsOf = (port: number, query = ''): Promise<Json> =>
  getJson(port, `${BASE}/metrics${query}`).then((r) => r.data.data);

/** The `cluster` section of GET metrics/. */
export const clusterOf = (port: number): Promise<Json> => metricsOf(port).then((m) => m.cluster);

/**
 * Waits (start-up guard, no timed assertion) until `workers` workers report to an aggregator; returns metrics/, read
 * by `read` (metricsOfH2 for a cluster of h2c servers).
 */
export function waitForAggregator(
  port: number,
  workers: number,
  timeoutMs = 60_000,
  read: (port: number) => Promise<Json> = metricsOf,
): Promise<Json> {
  return until(async () => {
    const m = await read(port);
    return m.cluster?.complete && m.cluster.workers_connected === workers && m.cluster.aggregator !== '' && m;
  }, timeoutMs);
}

/** startNodeCluster, then waitForAggregator for all its workers (stopping the cluster if that fails). */
export async function startReadyCluster(
  env: Record<string, string>,
  workers = 4,
  timeoutMs = 60_000,
  read?: (port: number) => Promise<Json>,
): Promise<Started> {
  const c = await startNodeCluster(env, workers);
  try {
    await waitForAggregator(c.port, workers, timeoutMs, read);
  } catch (err) {
    await c.stop();
    throw err;
  }
  return c;
}

/** The pid of the aggregator in a metrics/ `cluster` section; throws when it names none. */
export const aggregatorPid = (cluster: { workers: Array<{ aggregator: boolean; pid: number }> }): number => {
  const pid = cluster.workers.find((w) => w.aggregator)?.pid;
  if (pid === undefined)
    throw new Error(`no aggregator among the workers: ${JSON.stringify(cluster.workers)}`);
  return pid;
};

/**
 * process.kill(pid, sig) for a pid a test read (a worker's, an aggregator's), which throws unless it is a positive
 * integer. process.kill() throws for undefined, null and NaN itself, but for 0 (and false, '' or '0', which it reads
 * as 0) signals the whole process group, and for -1 every process the user may signal: the group holds the vitest
 * fork and runner (nothing here is started detached), so a SIGKILL there would end the run, a SIGSTOP hang it.
 */
export function signalPid(pid: number, sig: NodeJS.Signals, kill = process.kill): true {
  if (typeof pid !== 'number' || !Number.isInteger(pid) || pid <= 0)
    throw new Error(`signalPid: ${String(pid)} (${typeof pid}) is no process id; ${sig} not sent`);
  return kill(pid, sig);
}

/** Waits until an aggregator other than `previous` (an id) has `connected` workers and `also(m)`; returns metrics/. */
export function untilNewAggregator(
  port: number,
  previous: string,
  connected: number,
  timeoutMs = 30_000,
  also: (m: Json) => unknown = () => true,
): Promise<Json> {
  return until(async () => {
    const m = await metricsOf(port);
    return (
      m.cluster.aggregator &&
      m.cluster.aggregator !== previous &&
      m.cluster.workers_connected === connected &&
      also(m) &&
      m
    );
  }, timeoutMs);
}

/** Sends `signal` to the aggregator of `before` (a metrics/ `cluster` section), then untilNewAggregator. */
export function killAggregator(
  port: number,
  before: { aggregator: string; workers: Array<{ aggregator: boolean; pid: number }> },
  signal: NodeJS.Signals,
  connected: number,
  timeoutMs = 30_000,
  also?: (m: Json) => unknown,
): Promise<Json> {
  signalPid(aggregatorPid(before), signal);
  return untilNewAggregator(port, before.aggregator, connected, timeoutMs, also);
}

/** Waits until the workers have logged exactly `count` requests (a response can end before 'finish'); returns them. */
export function untilLogged(logDir: string, count: number, timeoutMs?: number) {
  return until(async () => {
    const l = loggedRequests(logDir);
    return l.length === count && l;
  }, timeoutMs);
}

/** Every line of the workers' `<pid>.<ext>` logs, parsed (JSON unless told), with the pid. */
export function logLines<T>(
  logDir: string,
  ext: string,
  parse: (line: string) => T = JSON.parse,
): Array<{ pid: number; v: T }> {
  const out: Array<{ pid: number; v: T }> = [];
  for (const f of readdirSync(logDir)) {
    if (!f.endsWith(`.${ext}`)) continue;
    const pid = Number(f.slice(0, -(ext.length + 1)));
    for (const line of readFileSync(join(logDir, f), 'utf8').split('\n'))
      if (line) out.push({ pid, v: parse(line) });
  }
  return out;
}

/** Every live worker's answer to GET `path` (fresh connections, spread over the workers), by pid. */
export async function everyWorker<T extends { pid: number }>(
  port: number,
  pids: readonly number[],
  path = '/whoami',
): Promise<Map<number, T>> {
  const seen = new Map<number, T>();
  await until(async () => {
    const w = JSON.parse((await get(port, path)).body) as T;
    seen.set(w.pid, w);
    return pids.every((p) => seen.has(p));
  }, 30_000);
  return seen;
}

/**
 * Reads `path` from every live worker, knowing which answered: each try opens one keep-alive connection (one worker
 * holds it) and asks /whoami, then `path`, on it; until every pid answered. `read` gets each answer with the times
 * (Date.now()) just before `path` was asked and just after its answer came; it returns undefined for an answer to
 * ask that worker again (one not to judge, such as a cluster read some worker did not answer the sync of in time).
 */
export async function fromEveryWorker<T>(
  port: number,
  pids: readonly number[],
  path: string,
  read: (body: Json, asked: number, answered: number) => T | undefined,
): Promise<Map<number, T>> {
  const seen = new Map<number, T>();
  await until(async () => {
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    try {
      const { pid } = JSON.parse((await getOn(agent, port, '/whoami')).body) as { pid: number };
      if (!seen.has(pid)) {
        const asked = Date.now();
        const r = await getOn(agent, port, path);
        const v = read(JSON.parse(r.body), asked, Date.now());
        if (v !== undefined) seen.set(pid, v);
      }
    } finally {
      agent.destroy();
    }
    return pids.every((p) => seen.has(p));
  }, 30_000);
  return seen;
}

/**
 * Alert rules on the machine's load off (a shared test machine may well be at 100 % CPU, and its workers'
 * event loops late by hundreds of ms for it): spread into ALERTS.
 */
export const HOST_RULES_OFF = {
  cpu: { enabled: false },
  memory: { enabled: false },
  disk: { enabled: false },
  event_loop_delay: { enabled: false },
} as const;

/** ALERTS with error_rate at 20 % warning / 90 % critical over 10 requests, host rules off (see breach). */
export const ERROR_RATE_ALERTS = JSON.stringify({
  error_rate: { warning: 20, critical: 90, minRequests: 10 },
  ...HOST_RULES_OFF,
});

/**
 * How long a test waits for what must come where no worker is killed (breach() and clearBreach()'s answers, a
 * condition polled with until()): a hang guard, not a timed assertion. No connection is handed to a dead worker
 * there (what get()'s 5 s give-up is for); with 5 s, one of breach()'s 60 concurrent requests to a cluster just
 * started went unanswered that long at load 25 and failed the test (undelivered-alert), and a request handed to an
 * aggregator stalled 7 s (SIGSTOP) failed error-horizon-cluster.
 */
export const HANG_GUARD_MS = 60_000;

/** 60 concurrent /work requests, one in three a 500: a 33 % error rate. */
export const breach = (port: number): Promise<Reply[]> =>
  Promise.all(
    Array.from({ length: 60 }, (_, i) =>
      getOn(false, port, `/work?ms=1&status=${i % 3 === 1 ? 500 : 200}`, HANG_GUARD_MS),
    ),
  );

/** The breach ends: 400 successful /work requests bring breach()'s error rate under its clear level. */
export async function clearBreach(port: number): Promise<void> {
  for (let i = 0; i < 400; i += 20) {
    await Promise.all(
      Array.from({ length: 20 }, () => getOn(false, port, '/work?ms=1&status=200', HANG_GUARD_MS)),
    );
  }
}

export interface Hooks<T> {
  url: string;
  /** The bodies accepted (answered 200). */
  received: T[];
  /** The bodies refused (answered 503, so that the sender retries later): see startHooks' `refuse`. */
  refused: T[];
  close(): void;
}

/**
 * A webhook receiver on a loopback ephemeral port: every JSON body POSTed to it is pushed to `received`,
 * or, when `refuse(body)` says so, answered 503 and pushed to `refused`.
 */
export async function startHooks<T>(refuse: (body: T) => boolean = () => false): Promise<Hooks<T>> {
  const received: T[] = [];
  const refused: T[] = [];
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (d) => {
      body += d;
    });
    req.on('end', () => {
      const parsed = JSON.parse(body) as T;
      if (refuse(parsed)) {
        refused.push(parsed);
        res.statusCode = 503;
        res.end('refused');
        return;
      }
      received.push(parsed);
      res.end('ok');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`,
    received,
    refused,
    close: () => server.close(),
  };
}

/** A cluster started by useCluster for the tests of one describe, with its webhook receiver (if any). */
export interface ClusterFixture<T> extends Started {
  readonly hooks: Hooks<T>;
}

/** In a describe: beforeAll starts a ready cluster (and a webhook receiver if `env` takes its url); afterAll stops them. */
export function useCluster<T = unknown>(
  env: Record<string, string> | ((hookUrl: string) => Record<string, string>),
  workers = 4,
  {
    readyMs = 60_000,
    setupMs = 120_000,
    refuse,
    read,
  }: {
    readyMs?: number;
    setupMs?: number;
    refuse?: (body: T) => boolean;
    /** How metrics/ is read while waiting for the aggregator (metricsOfH2 for APP=fastify-h2). */
    read?: (port: number) => Promise<Json>;
  } = {},
): ClusterFixture<T> {
  let started: Started | undefined;
  let hooks: Hooks<T> | undefined;
  beforeAll(async () => {
    if (typeof env === 'function') hooks = await startHooks<T>(refuse);
    started = await startReadyCluster(
      hooks ? (env as (u: string) => Record<string, string>)(hooks.url) : (env as Record<string, string>),
      workers,
      readyMs,
      read,
    );
  }, setupMs);
  // Nothing is read after the describe's tests: killed, not closed (see Started.kill).
  afterAll(async () => {
    await started?.kill();
    hooks?.close();
  });
  const c = (): Started => {
    if (!started) throw new Error('the cluster is not started (use it inside a test)');
    return started;
  };
  return {
    get proc() {
      return c().proc;
    },
    get port() {
      return c().port;
    },
    get pids() {
      return c().pids;
    },
    get dir() {
      return c().dir;
    },
    get logDir() {
      return c().logDir;
    },
    get events() {
      return c().events;
    },
    stop: () => c().stop(),
    kill: () => c().kill(),
    stderr: () => c().stderr(),
    get hooks() {
      if (!hooks) throw new Error('no webhook receiver: pass env as a function of its url');
      return hooks;
    },
  };
}

/**
 * Scrapes the cluster's Prometheus endpoint in a loop until stop(): answers counted by status (`socket` when the
 * request failed), the last body served, and every counter series that went below the highest value served before.
 * A scrape unanswered for `timeoutMs` counts as `socket` (see load()).
 */
export function watchScrapes(port: number, timeoutMs = 5000) {
  const w = {
    highest: new Map<string, number>(),
    drops: [] as string[],
    statuses: {} as Record<string, number>,
    last: '',
    /** Answers with this status so far. */
    served: (status: string) => w.statuses[status] ?? 0,
    stop: async () => {
      scraping = false;
      await loop;
    },
  };
  let scraping = true;
  const run = async () => {
    while (scraping) {
      const r = await getOn(false, port, `${BASE}/metrics/prometheus`, timeoutMs).catch(() => undefined);
      const key = r ? String(r.status) : 'socket';
      w.statuses[key] = (w.statuses[key] ?? 0) + 1;
      if (r?.status !== 200) continue;
      w.last = r.body;
      for (const [series, v] of counterSamples(r.body)) {
        const before = w.highest.get(series) ?? 0;
        if (v < before) w.drops.push(`${series} ${before} -> ${v}`);
        else w.highest.set(series, v);
      }
    }
  };
  const loop = run();
  return w;
}

/** Every counter sample of an exposition (counters, and histograms' _bucket/_sum/_count): series -> value. */
export function counterSamples(text: string): Map<string, number> {
  const types = new Map<string, string>();
  const out = new Map<string, number>();
  for (const line of text.split('\n')) {
    const t = /^# TYPE (\S+) (\S+)$/.exec(line);
    if (t) types.set(t[1] as string, t[2] as string);
    if (line === '' || line.startsWith('#')) continue;
    const name = /^[a-zA-Z_:][\w:]*/.exec(line)?.[0] as string;
    const family = name.replace(/_(bucket|sum|count)$/, '');
    const counter =
      types.get(name) === 'counter' ||
      types.get(name.replace(/_total$/, '')) === 'counter' ||
      (types.get(family) === 'histogram' && family !== name);
    if (!counter) continue;
    const at = line.lastIndexOf(' ');
    out.set(line.slice(0, at), Number(line.slice(at + 1)));
  }
  return out;
}
