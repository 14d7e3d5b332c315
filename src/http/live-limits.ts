// Per-client limits shared by the live stream and the WebSocket: slots per client, the stalled-reader
// deadline, and the end of the access token a client connected with.

import { performance } from 'node:perf_hooks';

/** Counts the connections each client holds, so that one client cannot take every slot. */
export class ClientSlots {
  private readonly held = new Map<string, number>();

  constructor(private readonly max: number) {}

  /** Takes a slot for `key`; false when it already holds `max`. */
  take(key: string): boolean {
    const n = this.held.get(key) ?? 0;
    if (n >= this.max) return false;
    this.held.set(key, n + 1);
    return true;
  }

  release(key: string): void {
    const n = this.held.get(key);
    if (n === undefined) return;
    if (n <= 1) this.held.delete(key);
    else this.held.set(key, n - 1);
  }
}

/**
 * Watches one client's writes: when a write has waited `stalledMs` and no write completed meanwhile, the
 * client has stopped reading (its socket buffers are full) and `onStall` is called. A slow client that
 * still reads completes writes and is left alone. Pass `done` as the write callback.
 */
export class WriteWatch {
  private pending = 0;
  private progressAt = 0;
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;

  /** The write callback (one function per client, so nothing is allocated per write). */
  readonly done = (): void => {
    if (this.pending > 0) this.pending -= 1;
    this.progressAt = performance.now();
  };

  private readonly check = (): void => {
    this.timer = undefined;
    if (this.stopped || this.pending === 0) return;
    const idle = performance.now() - this.progressAt;
    if (idle >= this.stalledMs) {
      try {
        this.onStall();
      } catch {
        // The client is being dropped; a failure doing so must not reach the host from this timer.
      }
    } else this.arm(this.stalledMs - idle);
  };

  constructor(
    private readonly stalledMs: number,
    private readonly onStall: () => void,
  ) {}

  /** Call before each write. */
  wrote(): void {
    if (this.stopped) return;
    if (this.pending === 0) this.progressAt = performance.now();
    this.pending += 1;
    if (!this.timer) this.arm(this.stalledMs);
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }

  private arm(ms: number): void {
    this.timer = setTimeout(this.check, Math.ceil(ms));
    this.timer.unref();
  }
}

/**
 * Calls `onExpiry` when the access token a client connected with expires: `expiresAt` is read on the
 * monitor's clock, the wait on the timer clock. Returns the timer (to clear on close), or undefined when
 * the client did not connect with an expiring token.
 */
export function expiryTimer(
  expiresAt: number | undefined,
  now: number,
  onExpiry: () => void,
): NodeJS.Timeout | undefined {
  if (expiresAt === undefined) return undefined;
  // setTimeout's limit is 2^31-1 ms (24.8 days); a token's lifetime is minutes.
  const expire = (): void => {
    try {
      onExpiry();
    } catch {
      // The client is being dropped; a failure doing so must not reach the host from this timer.
    }
  };
  const timer = setTimeout(expire, Math.min(Math.max(0, expiresAt - now), 2 ** 31 - 1));
  timer.unref();
  return timer;
}

/** The message a client gets when its access token expires. */
export const TOKEN_EXPIRED_MESSAGE = 'access_token has expired; request a new one from token/ and reconnect';
