// One channel's delivery: a bounded queue drained in order, a timeout per attempt, retries with backoff, and its status.

import { errorMessage, type OutageLog } from '../logger.js';
import type { Clock, Logger } from '../types.js';
import { abortAfter } from './attempt-timeout.js';
import type { ChannelStatus } from './channel-status.js';
import { DeliveryError } from './http-send.js';
import { redactor } from './redact.js';
import type { ChannelSender, ChannelType, Notification } from './types.js';

/** The longest wait between two attempts. */
const MAX_BACKOFF_MS = 60_000;
/** The longest `Retry-After` a receiver's 429/503 is obeyed for (longer asks wait this long). */
const MAX_RETRY_AFTER_MS = 300_000;

export interface DeliveryQueueConfig {
  readonly name: string;
  readonly type: ChannelType;
  readonly timeoutMs: number;
  readonly retries: number;
  readonly retryDelayMs: number;
  readonly maxQueue: number;
  /** Strings never to show in logs or status (URLs with tokens, passwords); replaced by `[redacted]`. */
  readonly secrets: readonly string[];
  /** Personal data (an SMS recipient's number) and the masked form shown instead (`+44…89`). */
  readonly masked: ReadonlyArray<readonly [value: string, shown: string]>;
}

/**
 * Delivers one channel's notifications one at a time, so a receiver sees firing before resolved.
 * `push` only enqueues: it never blocks or throws. Each channel has its own queue and loop, so a
 * receiver that refuses, hangs or is slow costs its own channel time, never another's.
 */
export class DeliveryQueue {
  private readonly queue: Notification[] = [];
  /** The notification being delivered (attempts and the waits between them), until accepted or given up on. */
  private current: Notification | undefined;
  /** Replaces the channel's secrets, as written or encoded, by `[redacted]`, and masks (built on first use). */
  private redactSecrets: ((text: string) => string) | undefined;
  private running = false;
  private closing = false;
  private overflowing = false;
  private aborted = false;
  /** The attempt in flight, aborted by close() or by its timeout (abortAfter). */
  private inFlight: AbortController | undefined;
  private retryTimer: NodeJS.Timeout | undefined;
  private wakeRetry: (() => void) | undefined;
  private idleWaiters: Array<() => void> = [];
  private sent = 0;
  private failed = 0;
  private dropped = 0;
  private failing = false;
  private lastError: string | null = null;
  private lastSentAt: number | null = null;
  private lastFailedAt: number | null = null;
  /** When the receiver's Retry-After ends, while the queue waits for it (null otherwise). */
  private heldUntil: number | null = null;
  /** What close() cut off when its time ran out, oldest first (undefined until then). */
  private leftover: Notification[] | undefined;
  /** Checked before each attempt: false drops the notification, counted as dropped (NotificationRouter.setFence). */
  fence: (() => boolean) | undefined;

  constructor(
    readonly config: DeliveryQueueConfig,
    private readonly sender: ChannelSender,
    private readonly outage: OutageLog,
    private readonly logger: Logger,
    private readonly clock: Clock,
    /** Called after each notification the receiver accepted (not for those dropped or failed). */
    private readonly onDelivered?: (notification: Notification) => void,
  ) {}

  /** Notifications waiting (not counting the one being delivered). */
  get pending(): number {
    return this.queue.length;
  }

  /**
   * What its receiver has not accepted yet: the one being delivered (retries included), then those waiting; after
   * close() ran out of time, what it cut off (a closing cluster aggregator hands it to its successor in its ledger).
   */
  unaccepted(): Notification[] {
    if (this.leftover !== undefined) return this.leftover.slice();
    return this.current === undefined ? this.queue.slice() : [this.current, ...this.queue];
  }

  push(notification: Notification): void {
    if (this.closing) return;
    if (this.queue.length >= this.config.maxQueue) {
      this.queue.shift();
      this.dropped++;
      if (!this.overflowing) {
        this.overflowing = true;
        this.logger.warn(
          { component: this.key, maxQueue: this.config.maxQueue },
          `sysvitals: ${this.key} queue full (${this.config.maxQueue}); dropping the oldest notifications`,
        );
      }
    }
    this.queue.push(notification);
    if (!this.running) void this.run();
  }

  /** Resolves when the queue is empty and nothing is in flight. */
  idle(): Promise<void> {
    if (!this.running) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /**
   * Stops taking notifications and delivers what is queued (retries included) for at most
   * `timeoutMs`; then aborts the attempt in flight and drops the rest (counted as dropped), which
   * unaccepted() still lists.
   */
  async close(timeoutMs: number): Promise<void> {
    if (this.closing) return this.idle();
    this.closing = true;
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<'timeout'>((resolve) => {
      // Ref'd: an awaited close() holds the process open while it delivers (its retries wait on unref'd timers), at
      // most timeoutMs; unref'd, Node exited mid-close and the code after it never ran (RT40-2).
      timer = setTimeout(() => resolve('timeout'), timeoutMs);
    });
    const outcome = await Promise.race([this.idle().then(() => 'idle' as const), deadline]);
    clearTimeout(timer);
    if (outcome === 'timeout') {
      // Taken before the abort: the attempt in flight is not accepted (at least once if it was already on the wire).
      this.leftover = this.unaccepted();
      if (this.leftover.length > 0) {
        const held =
          this.heldUntil === null ? '' : ` (held back by the receiver until ${iso(this.heldUntil)})`;
        this.logger.warn(
          { component: this.key, dropped: this.leftover.length, timeoutMs },
          `sysvitals: ${this.key}: close() gave up after ${timeoutMs} ms; ${this.leftover.length} notification(s) not delivered${held}`,
        );
      }
      this.dropped += this.queue.length;
      this.queue.length = 0;
      this.aborted = true;
      this.inFlight?.abort();
      if (this.retryTimer) clearTimeout(this.retryTimer);
      this.wakeRetry?.();
      await this.idle();
    }
    this.sender.close?.();
  }

  status(): ChannelStatus {
    const iso = (t: number | null) => (t === null ? null : new Date(t).toISOString());
    return {
      name: this.config.name,
      type: this.config.type,
      status: this.heldUntil !== null ? 'held' : this.failing ? 'failing' : 'ok',
      sent: this.sent,
      failed: this.failed,
      dropped: this.dropped,
      // The one being delivered (in flight or waiting for its retry) is still pending (RT40-3).
      pending: this.queue.length + (this.current === undefined ? 0 : 1),
      last_error: this.lastError,
      last_sent_at: iso(this.lastSentAt),
      last_failed_at: iso(this.lastFailedAt),
      held_until: iso(this.heldUntil),
    };
  }

  private get key(): string {
    return `channel ${this.config.name} (${this.config.type})`;
  }

  private async run(): Promise<void> {
    this.running = true;
    try {
      for (let n = this.queue.shift(); n; n = this.queue.shift()) {
        this.current = n;
        await this.deliver(n).finally(() => {
          this.current = undefined;
        });
        if (this.queue.length === 0) this.overflowing = false;
        if (this.aborted) break;
      }
    } catch (err) {
      this.outage.failed(this.key, this.redact(errorMessage(err)));
    } finally {
      this.running = false;
      const waiters = this.idleWaiters;
      this.idleWaiters = [];
      for (const resolve of waiters) resolve();
    }
  }

  private async deliver(notification: Notification): Promise<void> {
    let error = '';
    /** What the last answer asked to wait (Retry-After): the next attempt waits at least that. */
    let asked = 0;
    for (let attempt = 0; attempt <= this.config.retries; attempt++) {
      if (attempt > 0 && !this.aborted) {
        const backoff = Math.min(MAX_BACKOFF_MS, this.config.retryDelayMs * 2 ** (attempt - 1));
        const wait = Math.max(backoff, Math.min(MAX_RETRY_AFTER_MS, asked));
        if (asked > 0) {
          // The receiver asked to wait (429/503 Retry-After): shown as held, with the refusal, and logged once.
          this.heldUntil = this.clock.now() + wait;
          this.lastError = `${error}; held back until ${iso(this.heldUntil)}`;
          this.outage.failed(this.key, this.lastError);
        }
        await this.delay(wait);
        this.heldUntil = null;
      }
      if (this.aborted) break;
      if (this.fence && !this.fence()) {
        this.dropped++;
        return;
      }
      const controller = new AbortController();
      this.inFlight = controller;
      const { signal } = controller;
      const stopTimer = abortAfter(controller, this.config.timeoutMs);
      try {
        await untilAborted(this.sender.send(notification, { signal }), signal);
        this.sent++;
        this.lastSentAt = this.clock.now();
        this.failing = false;
        this.outage.recovered(this.key);
        // No longer pending when the listener reads what is (a cluster aggregator writes its ledger).
        this.current = undefined;
        // Accepted as close() cut it off: no successor sends it again.
        if (this.leftover !== undefined) this.leftover = this.leftover.filter((n) => n !== notification);
        this.onDelivered?.(notification);
        return;
      } catch (err) {
        error = this.redact(
          err instanceof DeliveryError ? err.message : signal.aborted ? 'timed out' : errorMessage(err),
        );
        const retry = err instanceof DeliveryError ? err.retry : true;
        if (!retry) break;
        if (!this.aborted && attempt < this.config.retries) {
          // Shown at once, not after the last retry (RT40-3): `failing` while it is retried, the refusal, and when.
          this.failing = true;
          this.lastError = error;
          this.lastFailedAt = this.clock.now();
        }
        asked = err instanceof DeliveryError ? (err.retryAfterMs ?? 0) : 0;
      } finally {
        stopTimer();
        this.inFlight = undefined;
      }
    }
    if (this.aborted) {
      // Cut off by close(): not the receiver's failure.
      this.dropped++;
      return;
    }
    this.failed++;
    this.failing = true;
    this.lastError = error;
    this.lastFailedAt = this.clock.now();
    this.outage.failed(this.key, error);
  }

  private redact(text: string): string {
    this.redactSecrets ??= redactor(this.config.secrets, this.config.masked);
    return this.redactSecrets(text);
  }

  private delay(ms: number): Promise<void> {
    if (this.aborted) return Promise.resolve();
    return new Promise((resolve) => {
      this.wakeRetry = resolve;
      this.retryTimer = setTimeout(resolve, ms);
      this.retryTimer.unref();
    });
  }
}

function iso(t: number): string {
  return new Date(t).toISOString();
}

/** Settles with `work`, or rejects when `signal` aborts first: a sender that ignores its signal cannot hang the queue. */
function untilAborted(work: Promise<void>, signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.reject(new DeliveryError('timed out', true));
  return new Promise((resolve, reject) => {
    const onAbort = () => {
      const reason = signal.reason as { name?: string } | undefined;
      reject(new DeliveryError(reason?.name === 'TimeoutError' ? 'timed out' : 'aborted', true));
    };
    signal.addEventListener('abort', onAbort, { once: true });
    work.then(
      () => {
        signal.removeEventListener('abort', onAbort);
        resolve();
      },
      (err: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(err);
      },
    );
  });
}
