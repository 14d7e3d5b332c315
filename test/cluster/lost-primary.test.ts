// The fixture cluster's workers once their primary is gone (a test's teardown SIGKILLs it: Started.kill). In a
// clean-clone CI run of 7 December a worker printed an uncaught EPIPE from node:cluster's `onconnection` on the run's
// stderr (the workers' stderr is the test process's): a connection the primary had handed over just before it died,
// acknowledged on the closed channel. And a worker a test stops (SIGSTOP) never sees its channel close: left
// stopped when its test fails before SIGCONT, it outlived the test, an orphan holding the test process's stderr.
// Real processes; the oracle is Linux's /proc (a process's state and open sockets) and what stderr received.

import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { describe, expect, it } from 'vitest';
import { clusterApp, signalPid, startNodeCluster, until } from './helpers.js';

/** A process's state letter (R, S, T stopped, Z zombie), undefined when gone. */
function state(pid: number): string | undefined {
  try {
    return readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.[0];
  } catch {
    return undefined;
  }
}
/** Exited: gone or a zombie (an orphan is reaped by whatever adopts it, in its own time). */
const gone = (pid: number) => {
  const s = state(pid);
  return s === undefined || s === 'Z';
};
/** The sockets a process holds open (its listening socket, its channels, a connection it accepted). */
const sockets = (pid: number) =>
  readdirSync(`/proc/${pid}/fd`).filter((fd) => {
    try {
      return readlinkSync(`/proc/${pid}/fd/${fd}`).startsWith('socket:');
    } catch {
      return false;
    }
  }).length;
const commandOf = (pid: number) => {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8');
  } catch {
    return '';
  }
};
/** Ends a worker this file stopped if it is still there (its command line is the fixture's: the pid is still its). */
function reap(pid: number): void {
  if (!gone(pid) && commandOf(pid).includes(clusterApp())) signalPid(pid, 'SIGKILL');
}

describe('node:cluster fixture: workers whose primary is gone', () => {
  it('a connection handed to a worker as its primary dies: the worker exits, no uncaught EPIPE on stderr', async () => {
    const c = await startNodeCluster({}, 1, 'pipe');
    const worker = c.pids[0] as number;
    let socket: Socket | undefined;
    try {
      // Stopped, the worker cannot acknowledge: the primary's newconn message waits in its channel.
      signalPid(worker, 'SIGSTOP');
      const before = sockets(c.proc.pid as number);
      socket = connect(c.port, '127.0.0.1');
      socket.on('error', () => {});
      // Guard: the primary accepted the connection and handed it over (it holds the handle until acknowledged).
      await until(async () => sockets(c.proc.pid as number) > before, 30_000);
      const exited = new Promise((r) => c.proc.once('exit', r));
      c.proc.kill('SIGKILL');
      await exited;
      signalPid(worker, 'SIGCONT');
      // It reads the newconn, acknowledges it on the closed channel, then the channel's end.
      await until(async () => gone(worker), 30_000);
      // Every writer of the stderr pipe has exited: all it will say is read.
      if (!c.proc.stderr?.readableEnded) await new Promise((r) => c.proc.stderr?.once('end', r));
      expect(c.stderr()).not.toMatch(/EPIPE|Unhandled 'error'/);
    } finally {
      socket?.destroy();
      reap(worker);
      await c.kill();
    }
  }, 120_000);

  it('a worker left stopped (SIGSTOP) by its test does not outlive the teardown', async () => {
    const c = await startNodeCluster({}, 2);
    const stopped = c.pids[0] as number;
    try {
      signalPid(stopped, 'SIGSTOP');
      await c.kill();
      // Bounded: continued, it sees its channel close and exits (node:cluster's own 'disconnect' handler).
      await until(
        async () => gone(stopped),
        10_000,
        () => `worker ${stopped} still there: ${state(stopped)}`,
      );
      expect(gone(stopped)).toBe(true);
    } finally {
      reap(stopped);
    }
  }, 120_000);
});
