// Outside review A, RTA-3, in a real process: a plugin fetch()ing with ctx.signal from a server that never answers
// (timeoutMs 300 s). monitor.close() aborts the fetch (reason ERR_SYSVITALS_CLOSED), no timer of ours is left, and the
// process exits by itself; before, the signal fired only at the plugin's deadline and the process lived until then.

import { spawn } from 'node:child_process';
import { createServer, type Server, type Socket } from 'node:net';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { bundled } from '../helpers/bundled.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
/** A guard against a hung child, not a speed claim: the oracle is what holds the loop. Before the fix the child
 *  lived the plugin's 300 s timeoutMs. */
const HANG_GUARD_MS = 20_000;

/** The monitor's groupTimeoutMs (default): the longest timer a host group cut off by a sample may still hold. */
const GROUP_TIMEOUT_MS = 1000;
/**
 * What may still be finishing by itself: undici's connections (a socket, its shutdown, the reconnect it opens after
 * an abort: its connect request), a host group's /proc read, and the short timers checked by delay below.
 */
const FINISHING = new Set([
  'TCPSocketWrap',
  'SimpleShutdownWrap',
  'ShutdownWrap',
  'ConnectWrap',
  'FSReqPromise',
  'FSReqCallback',
  'Timeout',
]);

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

/** The reviewer's never-answering listener: it accepts, reads, and never writes a byte back. */
function silentServer(): Promise<{ server: Server; port: number; connections: () => number }> {
  const sockets: Socket[] = [];
  const server = createServer((socket) => {
    sockets.push(socket);
    socket.resume();
    socket.on('error', () => {});
  });
  server.on('close', () => {
    for (const s of sockets) s.destroy();
  });
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      resolve({
        server,
        port: typeof address === 'object' && address ? address.port : 0,
        connections: () => sockets.length,
      });
    });
  });
}

describe('monitor.close() with a plugin fetch() under way, in a child process', () => {
  let server: Server | undefined;
  afterEach(() => {
    server?.close();
    server = undefined;
  });

  it(
    'aborts the fetch with the closed error, leaves no timer, and the process exits by itself',
    async () => {
      const silent = await silentServer();
      server = silent.server;
      const child = spawn(process.execPath, [bundled('close-plugin-fetch')], {
        cwd: root,
        env: { ...process.env, PORT: String(silent.port) },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (c: Buffer) => {
        stdout += c.toString();
      });
      child.stderr.on('data', (c: Buffer) => {
        stderr += c.toString();
      });
      let guard: NodeJS.Timeout | undefined;
      try {
        const code = await Promise.race([
          new Promise<number | null>((resolve) => child.once('exit', (c) => resolve(c))),
          new Promise<'hung'>((resolve) => {
            guard = setTimeout(() => resolve('hung'), HANG_GUARD_MS);
          }),
        ]);
        expect(stderr).toBe('');
        expect(code).toBe(0); // exited by itself, not 'hung'
        const run = JSON.parse(stdout) as {
          group: { status: string; error?: string };
          aborted: boolean;
          reason: string;
          timersAtClose: number[];
          before: string[];
          after: string[];
          ended: string[];
        };
        // The fetch reached the server and was under way at close() (the sample had stopped waiting for it). Once
        // aborted, undici opens one more connection to the origin, which it drops as the loop empties (a bare fetch
        // aborted by hand does the same: not ours).
        expect(silent.connections()).toBeGreaterThanOrEqual(1);
        expect(run.group.status).toBe('unknown');
        expect(run.group.error).toMatch(/^first collect\(\) under way/);
        expect(run.aborted).toBe(true);
        expect(run.reason).toBe('ERR_SYSVITALS_CLOSED');
        // Right after close(): no timer of the plugin machinery (before the fix: the 300 s deadline; nor the sample's
        // wait or a plugin close()'s 1 s bound), at most a host group's shorter one, and no other resource but what
        // is finishing by itself; the same once the aborted fetch has settled.
        expect(run.timersAtClose.filter((ms) => ms >= GROUP_TIMEOUT_MS)).toEqual([]);
        expect(added(run.before, run.after).filter((r) => !FINISHING.has(r))).toEqual([]);
        expect(added(run.before, run.ended).filter((r) => !FINISHING.has(r))).toEqual([]);
      } finally {
        clearTimeout(guard);
        child.kill('SIGKILL');
      }
    },
    3 * HANG_GUARD_MS,
  );
});
