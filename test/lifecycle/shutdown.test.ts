// SIGTERM to a real child process on each adapter, with slow requests in flight: readiness fails at once,
// keep-alive responses say `Connection: close`, new connections are refused once the delay is over, every
// in-flight request completes, the monitor flushes and closes, and the process exits 0 within the budget.
// A client trickling an upload is cut off at the drain deadline, and the exit is still 0.

import { type ChildProcess, spawn } from 'node:child_process';
import { Agent, request as httpRequest } from 'node:http';
import { connect } from 'node:net';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { bundled } from '../helpers/bundled.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
// The delay only has to hold two loopback requests made right after SIGTERM is handled; the drain, slow
// requests that started before it. Both generous for a loaded machine: nothing below is timed.
const DELAY_MS = 2500;
const DRAIN_MS = 30_000;
const SLOW_MS = 1200;

interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

function get(url: string, agent: Agent | false = false): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, { agent }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => {
        body += c;
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.once('error', reject);
    req.end();
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

let child: ChildProcess | undefined;
afterEach(() => {
  if (child && child.exitCode === null) child.kill('SIGKILL');
  child = undefined;
});

function start(adapter: string, drainMs = DRAIN_MS, delayMs = DELAY_MS) {
  const proc = spawn(process.execPath, [bundled('drain-app')], {
    cwd: root,
    env: {
      ...process.env,
      ADAPTER: adapter,
      DELAY_MS: String(delayMs),
      DRAIN_MS: String(drainMs),
      SLOW_MS: String(SLOW_MS),
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child = proc;
  let stderr = '';
  proc.stderr!.on('data', (c: Buffer) => {
    stderr += c.toString();
  });
  const lines: Record<string, unknown>[] = [];
  const waiters: Array<() => void> = [];
  let buffered = '';
  proc.stdout!.on('data', (c: Buffer) => {
    buffered += c.toString();
    for (let i = buffered.indexOf('\n'); i >= 0; i = buffered.indexOf('\n')) {
      lines.push(JSON.parse(buffered.slice(0, i)) as Record<string, unknown>);
      buffered = buffered.slice(i + 1);
      for (const w of waiters.splice(0)) w();
    }
  });
  const exited = new Promise<{ code: number | null }>((resolve) => {
    proc.once('exit', (code) => resolve({ code }));
  });
  /** Resolves when `count` lines with `key` have been printed. */
  const until = (key: string, count = 1) =>
    new Promise<Record<string, unknown>>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no ${key} from the child: ${stderr}`)), 60_000); // hang guard
      const check = () => {
        const found = lines.filter((l) => key in l);
        if (found.length >= count) {
          clearTimeout(timer);
          resolve(found[0]!);
        } else waiters.push(check);
      };
      check();
    });
  return { proc, until, exited, lines, stderr: () => stderr };
}

describe.each(['express', 'fastify', 'koa'])('SIGTERM on %s', (adapter) => {
  it('drains in-flight requests, refuses new ones after the delay, flushes, and exits 0', async () => {
    const app = start(adapter);
    const { port } = (await app.until('port')) as { port: number };
    const base = `http://127.0.0.1:${port}`;
    // The first sample makes the process ready: polled (a 30 s hang guard).
    const guard = Date.now() + 30_000;
    while ((await get(`${base}/readyz`)).status !== 200 && Date.now() < guard) await sleep(20);
    expect((await get(`${base}/readyz`)).status).toBe(200);

    const keepAlive = new Agent({ keepAlive: true, maxSockets: 1 });
    expect((await get(`${base}/`, keepAlive)).status).toBe(200); // an idle keep-alive connection now

    const slow = [get(`${base}/slow`), get(`${base}/slow`), get(`${base}/slow`)];
    await app.until('slow', 3);
    app.proc.kill('SIGTERM');
    await app.until('sigterm'); // the monitor's handler has run: the drain began

    // During the delay: still accepting, readiness fails, responses close keep-alive connections.
    expect((await get(`${base}/readyz`)).status).toBe(503);
    const during = await get(`${base}/`, keepAlive);
    expect(during.status).toBe(200);
    expect(during.headers.connection).toBe('close');
    expect(app.lines.some((l) => 'closing' in l)).toBe(false); // still inside the delay

    // After the delay: the shutdown closed the listener, so new connections are refused.
    await app.until('closing');
    await expect(get(`${base}/`)).rejects.toThrow(/ECONNREFUSED|ECONNRESET|socket hang up/);

    // Every in-flight request completes, within the drain: nothing was cut off (no warning), exit 0.
    const done = await Promise.all(slow);
    expect(done.map((r) => [r.status, r.body])).toEqual(Array(3).fill([200, 'slow done']));

    await app.until('closed');
    const exit = await app.exited;
    expect(exit.code).toBe(0);
    expect(app.lines.filter((l) => /still in flight/.test(String(l.warn ?? '')))).toEqual([]);
    keepAlive.destroy();
  }, 120_000);
});

/**
 * A client that sends a POST body one byte every 50 ms and never finishes (100 kB announced). Resolves
 * `closed` when the server ends the connection, with what the server had answered by then.
 */
function trickle(port: number) {
  const socket = connect(port, '127.0.0.1');
  let answer = '';
  socket.setEncoding('utf8');
  socket.on('data', (c: string) => {
    answer += c;
  });
  socket.on('error', () => {});
  socket.write(
    'POST /upload HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/octet-stream\r\nContent-Length: 100000\r\n\r\nx',
  );
  const timer = setInterval(() => {
    if (!socket.destroyed) socket.write('x');
  }, 50);
  const closed = new Promise<{ answer: string }>((resolve) => {
    socket.once('close', () => {
      clearInterval(timer);
      resolve({ answer });
    });
  });
  return { closed, destroy: () => socket.destroy() };
}

describe.each(['express', 'fastify', 'koa'])('SIGTERM on %s with a trickling upload', (adapter) => {
  // Outside review: a client sending its body a byte at a time made the shutdown exit 1, so any client
  // decided whether a rollout's pods ended in Error. The drain deadline ends its connection; the exit is 0.
  it('ends the connection at the drain deadline, logs it, and exits 0', async () => {
    const drainMs = 1500;
    const app = start(adapter, drainMs, 400);
    const { port } = (await app.until('port')) as { port: number };
    const client = trickle(port);
    try {
      await app.until('upload');
      app.proc.kill('SIGTERM');
      const closed = await client.closed;
      const exit = await app.exited;
      // Never answered (its body never arrived), ended by the server at the drain deadline: the warning says it
      // was still in flight when drainMs ran out (a connection cut before the deadline would not be).
      expect(closed.answer).toBe('');
      const warnings = app.lines.filter((l) => 'warn' in l).map((l) => String(l.warn));
      expect(warnings).toContainEqual(expect.stringMatching(/1 request\(s\) still in flight after drainMs/));
      expect(app.lines.some((l) => 'closed' in l)).toBe(true);
      expect(exit.code).toBe(0);
    } finally {
      client.destroy();
    }
  }, 120_000);
});
