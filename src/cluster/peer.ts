// One end of a worker <-> aggregator connection: framed messages, questions with answers and a
// timeout, and a byte count (the IPC budget is checked in bench/cluster.ts).

import type { Socket } from 'node:net';
import { consoleLogger, errorMessage, errorStack, guarded, OutageLog } from '../logger.js';
import { FrameReader, sendFrame } from './frames.js';

export interface Message {
  t: string;
  [key: string]: unknown;
}

/** An answer that failed on the other side, with its code (`not_found`, `unavailable`). */
export class RemoteError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'RemoteError';
  }
}

export class Peer {
  bytesOut = 0;
  bytesIn = 0;
  private seq = 0;
  private readonly pending = new Map<
    number,
    { resolve(v: unknown): void; reject(e: Error): void; timer: NodeJS.Timeout }
  >();
  private closedFlag = false;

  /**
   * `outage` logs what a callback of this connection throws (once per outage): a malformed frame or a
   * message its handler cannot take closes the connection, and never reaches the host as an exception.
   */
  constructor(
    readonly socket: Socket,
    onMessage: (message: Message, peer: Peer) => void,
    onClose: (peer: Peer) => void,
    private readonly outage: OutageLog = new OutageLog(consoleLogger),
  ) {
    // Never what keeps the process alive (outside review 12, F6: node:cluster's worker.disconnect(), a handler that
    // only closes its server): a write still under way does, being libuv's request, and a connection's last frame
    // goes as the process exits (exit-frame.ts).
    socket.unref();
    const reader = new FrameReader((m) => {
      const msg = m as Message;
      if (msg === null || typeof msg !== 'object' || typeof msg.t !== 'string')
        throw new Error('bad message');
      if (msg.t === 'a' && typeof msg.n === 'number') this.settle(msg);
      else onMessage(msg, this);
    });
    socket.on(
      'data',
      guarded(outage, 'cluster connection', (chunk: Buffer) => {
        this.bytesIn += chunk.length;
        try {
          reader.push(chunk);
        } catch (err) {
          // A peer that sends garbage, or a message its handler cannot take: drop it, and say why.
          socket.destroy();
          throw err;
        }
      }),
    );
    const close = guarded(outage, 'cluster connection close', () => {
      if (this.closedFlag) return;
      this.closedFlag = true;
      for (const p of this.pending.values()) {
        clearTimeout(p.timer);
        p.reject(new RemoteError('unavailable', 'the connection closed'));
      }
      this.pending.clear();
      onClose(this);
    });
    socket.on('close', close);
    socket.on('error', () => socket.destroy());
  }

  get closed(): boolean {
    return this.closedFlag;
  }

  /** Writes one message; the bytes written (0: the connection is gone). */
  send(message: Message): number {
    const bytes = sendFrame(this.socket, message);
    this.bytesOut += bytes;
    return bytes;
  }

  /**
   * Sends a question (`t: 'q'`) and resolves with the answer's data. Always rejects with a RemoteError
   * (`unavailable`: not sent, connection closed, no answer in time), never with what a write threw: a caller
   * maps those codes to the admin API's documented statuses.
   */
  ask(message: Message, timeoutMs: number): Promise<unknown> {
    if (this.closedFlag) return Promise.reject(new RemoteError('unavailable', 'not connected'));
    const n = ++this.seq;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(n);
        reject(new RemoteError('unavailable', `no answer within ${timeoutMs} ms`));
      }, timeoutMs);
      timer.unref();
      this.pending.set(n, { resolve, reject, timer });
      let sent = 0;
      let why = 'the connection is closing';
      try {
        sent = this.send({ ...message, n });
      } catch (err) {
        why = `the question could not be sent (${errorMessage(err)})`;
      }
      if (sent > 0) return;
      clearTimeout(timer);
      this.pending.delete(n);
      reject(new RemoteError('unavailable', why));
    });
  }

  /**
   * Answers question `n` with the outcome of `work`. A failure that is not a RemoteError (a bug where it was
   * answered) is logged here, where it happened, and answered `internal_error`; an answer that cannot be sent
   * (not serialisable) is answered `internal_error` too, at once, rather than left to the asker's timeout.
   */
  reply(n: unknown, work: Promise<unknown>): void {
    const failed = (err: unknown, what: string) => {
      if (!(err instanceof RemoteError)) this.outage.failed(what, err, { stack: errorStack(err) });
      this.send({
        t: 'a',
        n,
        ok: false,
        code: err instanceof RemoteError ? err.code : 'internal_error',
        message: err instanceof Error ? err.message : String(err),
      });
    };
    work
      .then(
        (data) => {
          try {
            this.send({ t: 'a', n, ok: true, data });
          } catch (err) {
            failed(err, 'cluster answer');
            return;
          }
          // Logged once per outage: the next bug after an answer that went through is logged again.
          this.outage.recovered('cluster question');
          this.outage.recovered('cluster answer');
        },
        (err: unknown) => failed(err, 'cluster question'),
      )
      .catch((err: unknown) => this.outage.failed('cluster answer', err));
  }

  close(): void {
    this.socket.destroy();
  }

  private settle(msg: Message): void {
    const p = this.pending.get(msg.n as number);
    if (!p) return;
    this.pending.delete(msg.n as number);
    clearTimeout(p.timer);
    if (msg.ok === true) p.resolve(msg.data);
    else p.reject(new RemoteError(String(msg.code), String(msg.message)));
  }
}
