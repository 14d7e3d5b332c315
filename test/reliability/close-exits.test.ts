// monitor.close() in a real process: once it returns nothing of sysvitals holds the event loop, the process
// exits on its own, and the last bucket is in Redis.

import { spawn } from 'node:child_process';
import { get } from 'node:http';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import { parsePoint } from '../../src/history/point-codec.js';
import { bundled } from '../helpers/bundled.js';
import { type RedisServer, requireRedis, startRedis } from '../helpers/redis-server.js';

const haveRedis = requireRedis();
const root = fileURLToPath(new URL('../..', import.meta.url));
/** A guard against a hung child, not a speed claim: the test reads what holds the loop, not the time. */
const HANG_GUARD_MS = 20_000;
const REQUESTS = 25;
/** The store's command timeout with Redis dead or frozen: how long close() tries before giving up. */
const FAULT_TIMEOUT_MS = 500;
/** With Redis healthy: long enough that a loaded machine never reads as an outage. */
const HEALTHY_TIMEOUT_MS = 10_000;
/** What an ending TCP connection holds: its socket, its shutdown request, ioredis' destroy timer, and with Redis
 *  down a reconnect attempt's connect request (its socket destroyed by close(): cancelled when the handle closes). */
const TEARDOWN = new Set(['TCPSocketWrap', 'SimpleShutdownWrap', 'ShutdownWrap', 'Timeout', 'ConnectWrap']);
/** Room for the child's start, its close() and the hang guard on a loaded machine. */
const TEST_TIMEOUT_MS = 3 * HANG_GUARD_MS;

/** One GET without keep-alive, so no client connection holds the child's server open. */
function request(url: string): Promise<number> {
  return new Promise((resolve, reject) => {
    get(url, { agent: false }, (res) => {
      res.resume();
      res.once('end', () => resolve(res.statusCode ?? 0));
    }).once('error', reject);
  });
}

interface ChildRun {
  /** Resources holding the child's event loop right after close() returned that it did not hold before
   *  createMonitor (process.getActiveResourcesInfo(): refed handles, requests, timers). */
  leftAtClose: string[];
  /** The same once the store's Redis connection has ended. */
  leftAtEnd: string[];
  /** The delays of the refed timers that ran after close() returned. */
  firedAfterClose: number[];
  commandTimeoutMs: number;
  code: number | null | 'hung';
  stderr: string;
}

/** Asserts that once close() returned nothing of sysvitals holds the loop or waits on a clock. */
function expectNothingLeft(run: ChildRun): void {
  // Right after close(): at most the store's Redis connection, ending (no interval, no server, no file).
  expect(run.leftAtClose.filter((r) => !TEARDOWN.has(r))).toEqual([]);
  // Once that connection has ended: nothing at all (no Timeout, no TCPWRAP, no pending request).
  expect(run.leftAtEnd).toEqual([]);
  // And its end waited on no timer longer than the configured command timeout.
  expect(run.firedAfterClose.filter((ms) => ms > run.commandTimeoutMs)).toEqual([]);
  expect(run.code).toBe(0); // exited by itself, not 'hung'
}

/** `after` minus `before`, as multisets. */
function added(before: string[], after: string[]): string[] {
  const rest = [...before];
  return after.filter((r) => {
    const i = rest.indexOf(r);
    if (i < 0) return true;
    rest.splice(i, 1);
    return false;
  });
}

/** Starts the fixture, sends REQUESTS requests, optionally kills Redis, asks it to close, and waits for its exit. */
async function runChild(
  redis: RedisServer,
  prefix: string,
  fault?: 'SIGKILL' | 'SIGSTOP',
): Promise<ChildRun> {
  const commandTimeoutMs = fault ? FAULT_TIMEOUT_MS : HEALTHY_TIMEOUT_MS;
  const child = spawn(process.execPath, [bundled('close-exits')], {
    cwd: root,
    env: {
      ...process.env,
      REDIS_URL: redis.url,
      PREFIX: prefix,
      INSTANCE: 'child-1',
      COMMAND_TIMEOUT_MS: String(commandTimeoutMs),
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (c: Buffer) => {
    stderr += c.toString();
  });
  const lines: Record<string, unknown>[] = [];
  let onLine: (() => void) | undefined;
  let buffered = '';
  child.stdout.on('data', (c: Buffer) => {
    buffered += c.toString();
    for (let i = buffered.indexOf('\n'); i >= 0; i = buffered.indexOf('\n')) {
      lines.push(JSON.parse(buffered.slice(0, i)) as Record<string, unknown>);
      buffered = buffered.slice(i + 1);
      onLine?.();
    }
  });
  const exited = new Promise<number | null>((resolve) => {
    child.once('exit', (code) => resolve(code));
  });
  const nextLine = (key: string) =>
    new Promise<Record<string, unknown>>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no ${key} from the child: ${stderr}`)), HANG_GUARD_MS);
      onLine = () => {
        const line = lines.find((l) => key in l);
        if (!line) return;
        clearTimeout(timer);
        resolve(line);
      };
      onLine();
    });

  try {
    const port = (await nextLine('port')).port as number;
    const base = `http://127.0.0.1:${port}`;
    for (let i = 0; i < REQUESTS; i++) expect(await request(`${base}/work/${i}`)).toBe(200);
    await new Promise((r) => setTimeout(r, 200)); // a few samples, so one is likely in flight at close
    if (fault) await redis.kill(fault);
    expect(await request(`${base}/close`)).toBe(200);
    const { before, after, ended } = (await nextLine('closed')) as Record<string, string[]>;
    let guard: NodeJS.Timeout | undefined;
    const code = await Promise.race([
      exited,
      new Promise<'hung'>((r) => {
        guard = setTimeout(() => r('hung'), HANG_GUARD_MS);
      }),
    ]);
    clearTimeout(guard);
    const fired = code === 'hung' ? [] : ((await nextLine('firedAfterClose')).firedAfterClose as number[]);
    return {
      leftAtClose: added(before!, after!),
      leftAtEnd: added(before!, ended!),
      firedAfterClose: fired,
      commandTimeoutMs,
      code,
      stderr,
    };
  } finally {
    child.kill('SIGKILL');
  }
}

describe.skipIf(!haveRedis)('monitor.close() in a child process', () => {
  let redis: RedisServer | undefined;
  afterEach(async () => {
    await redis?.stop();
    redis = undefined;
  });

  it(
    'holds nothing open once close() returns, exits on its own, with the last bucket written',
    async () => {
      redis = await startRedis();
      const prefix = `close-exits-${process.pid}`;
      const run = await runChild(redis, prefix);
      expectNothingLeft(run);
      expect(run.stderr).not.toMatch(/not written|did not close cleanly/);

      // The bucket was still open at close() (one-minute resolution): close() wrote it.
      const admin = new Redis(redis.url);
      try {
        const members = await admin.zrange(`{${prefix}}:points:child-1`, 0, -1);
        const points = members.map((m) => parsePoint(m)!);
        expect(points.length).toBeGreaterThanOrEqual(1);
        expect(points.reduce((n, p) => n + p.requests, 0)).toBe(REQUESTS + 1); // the /close request too
        expect(points.reduce((n, p) => n + p.samples, 0)).toBeGreaterThan(0);
      } finally {
        admin.disconnect();
      }
    },
    TEST_TIMEOUT_MS,
  );

  it.each([
    ['killed', 'SIGKILL'],
    ['frozen', 'SIGSTOP'],
  ] as const)(
    'with Redis %s: close() gives up after its timeout, says what was lost, holds nothing open, and the process exits',
    async (name, signal) => {
      redis = await startRedis();
      const run = await runChild(redis, `close-exits-${name}-${process.pid}`, signal);
      // close() returned at all (the 'closed' line): it gave up on Redis after the store's commandTimeoutMs.
      expect(run.stderr).toMatch(/history points not written/);
      expectNothingLeft(run); // no reconnect timer, no socket to the dead Redis
    },
    TEST_TIMEOUT_MS,
  );
});
