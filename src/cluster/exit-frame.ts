// A process that exits without monitor.close() (process.exit() in a signal handler after its own drain, an uncaught
// exception: anything that emits process 'exit') says no goodbye; its connection's drop read as a crash: what it
// last reported in flight counted as lost, what it recorded since unsent. On process 'exit' only synchronous code
// runs: a worker writes its last frame there with write(2) on its socket's descriptor (the aggregator's local socket:
// a Unix socket, whose bytes the kernel delivers before the end of the connection, after the process is gone), so
// the aggregator counts what it completed since its last report by status and, as lost, only the requests in flight
// at its exit (by route); an aggregator counts its own into its ledger (Aggregator.atExit). Not possible: SIGKILL,
// the OOM killer, a fatal native error (no 'exit' event); a frame the socket cannot take at once (an earlier write
// still queued, a full socket buffer past EXIT_WRITE_SPIN_MS); Windows (a named pipe has no descriptor: the
// stream's own write is tried, and what it queues goes nowhere).

import { writeSync } from 'node:fs';
import type { Socket } from 'node:net';
import { encodeFrame } from './frames.js';
import type { Message, Peer } from './peer.js';

/** How long an exiting process retries a socket that is full (EAGAIN) before it gives up its last frame. */
export const EXIT_WRITE_SPIN_MS = 50;

/**
 * Writes `frame` to `socket` synchronously; true when all of it was handed to the kernel. False, nothing written,
 * when the socket has bytes queued (a frame written now would cut into them) or is not connected; false after a
 * partial write when the socket stayed full for `spinMs` (the reader then drops the cut frame at the end).
 */
export function writeNow(socket: Socket, frame: Buffer, spinMs = EXIT_WRITE_SPIN_MS): boolean {
  if (socket.destroyed || socket.connecting || !socket.writable || socket.writableLength > 0) return false;
  const fd = (socket as unknown as { _handle?: { fd?: unknown } | null })._handle?.fd;
  if (typeof fd !== 'number' || fd < 0) {
    // No descriptor (a Windows named pipe): the stream tries the write at once; whole when nothing stayed queued.
    socket.write(frame);
    return socket.writableLength === 0;
  }
  let off = 0;
  const until = Date.now() + spinMs;
  while (off < frame.length) {
    try {
      off += writeSync(fd, frame, off, frame.length - off);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EAGAIN' || Date.now() > until) return false;
    }
  }
  return true;
}

/** Writes a worker's exit frame (WorkerReports.exitFrame) on its connection; true when written whole. */
export function sendExitFrame(peer: Peer, message: Message): boolean {
  if (peer.closed) return false;
  const frame = encodeFrame(message);
  const ok = writeNow(peer.socket, frame);
  if (ok) peer.bytesOut += frame.length;
  return ok;
}

const hooks = new Set<() => void>();

function runHooks(): void {
  for (const hook of [...hooks]) {
    try {
      hook();
    } catch {
      // Never thrown at the host's exit: that process's figures are then as a crash leaves them.
    }
  }
}

/** Runs `hook` (synchronous) on process 'exit'; returns its removal. One 'exit' listener for all of them. */
export function onProcessExit(hook: () => void): () => void {
  if (hooks.size === 0) process.on('exit', runHooks);
  hooks.add(hook);
  return () => {
    if (hooks.delete(hook) && hooks.size === 0) process.off('exit', runHooks);
  };
}

/**
 * Holds the process open for at most `ms` (a ref'd timer); returns its release. The cluster's sockets are unref'd
 * (peer.ts: a monitor never keeps a process alive, outside review 12, F6), so an awaited close() holds the process
 * itself until it ends, as a ref'd socket did.
 */
export function holdOpen(ms: number): () => void {
  const timer = setTimeout(() => undefined, ms);
  return () => clearTimeout(timer);
}
