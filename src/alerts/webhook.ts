// Webhook channel: POSTs each alert event as JSON, in order, from a bounded queue, with a timeout and retries.

import { abortAfter } from '../channels/attempt-timeout.js';
import { readBounded, withUrlCredentials } from '../channels/http-send.js';
import { signatureHeaders } from '../channels/signature.js';
import { httpUrl } from '../channels/validate.js';
import { invalidOption } from '../errors.js';
import { consoleLogger, errorMessage, OutageLog, safeLogger } from '../logger.js';
import { thenOfValue } from '../options/callback-result.js';
import { MAX_TIMER_MS } from '../options/duration.js';
import { didYouMean, rejectUnknownKeys } from '../options/option-keys.js';
import type { Logger } from '../types.js';
import type { AlertEvent } from './alert.js';
import { ALERT_HINTS } from './rules.js';

/** Options of the alert webhook (`alerts.webhook`): where and how alert events are POSTed. */
export interface WebhookOptions {
  /** http(s) URL that receives `POST` with the JSON body `{ type, alert }` (see `transform`). */
  url: string;
  /** Per-attempt timeout. @defaultValue 5000 */
  timeoutMs?: number;
  /** Further attempts after a failed one (network error, timeout, 429 or 5xx). @defaultValue 3 */
  retries?: number;
  /** Delay before the first retry; doubles each retry (500, 1000, 2000 ms). @defaultValue 500 */
  retryDelayMs?: number;
  /** Extra request headers, e.g. an Authorization header. */
  headers?: Record<string, string>;
  /**
   * Signs each request: `x-sysvitals-signature: sha256=<hex HMAC-SHA256 of "<timestamp>.<body>">` and
   * `x-sysvitals-timestamp` (Unix seconds); check with `verifySignature`.
   */
  secret?: string;
  /** Events waiting to be sent; when full the oldest is dropped (logged once per overflow). @defaultValue 100 */
  maxQueue?: number;
  /**
   * Shapes the body, e.g. `(e) => ({ text: e.alert.message })` for a Slack incoming webhook. May be async: its
   * result is waited for within `timeoutMs`; a throw, a rejection or no result in time skips the event (logged).
   */
  transform?: (event: AlertEvent) => unknown;
  logger?: Logger;
}

/** WebhookOptions after validation, every default filled in. */
export interface WebhookConfig {
  readonly url: string;
  readonly timeoutMs: number;
  readonly retries: number;
  readonly retryDelayMs: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly secret: string | undefined;
  readonly maxQueue: number;
  /** Shapes the body (identity by default: `{ type, alert }`). */
  readonly transform: (event: AlertEvent) => unknown;
  readonly logger: Logger;
}

export const DEFAULT_WEBHOOK_OPTIONS = Object.freeze({
  timeoutMs: 5000,
  retries: 3,
  retryDelayMs: 500,
  maxQueue: 100,
});

const KNOWN_KEYS = [
  'url',
  'timeoutMs',
  'retries',
  'retryDelayMs',
  'headers',
  'secret',
  'maxQueue',
  'transform',
  'logger',
];

export function parseWebhookOptions(options: WebhookOptions | string): WebhookConfig {
  const opts: WebhookOptions = typeof options === 'string' ? { url: options } : options;
  if (opts === null || typeof opts !== 'object' || Array.isArray(opts)) {
    throw invalidOption(
      'sysvitals: `webhook` must be a URL string or an object such as { url: "https://…" }.',
    );
  }
  rejectUnknownKeys(
    opts,
    KNOWN_KEYS,
    'ERR_SYSVITALS_UNKNOWN_OPTION',
    (key) =>
      `sysvitals: \`webhook\` has an unsupported property, \`${key}\`.${didYouMean(key, KNOWN_KEYS, ALERT_HINTS)}`,
  );
  // Refused without the value, as the channels do: it may carry its secret path or token (RT39-2).
  const url = httpUrl(opts.url, 'webhook.url');
  // The ms options bounded by setTimeout's limit (outside review 47, RT47-4): above 2^31-1 ms Node fires a timer
  // after 1 ms, and every attempt was aborted at once.
  const int = (
    key: 'timeoutMs' | 'retries' | 'retryDelayMs' | 'maxQueue',
    min: number,
    max?: number,
  ): number => {
    const v = opts[key] ?? DEFAULT_WEBHOOK_OPTIONS[key];
    if (typeof v !== 'number' || !Number.isInteger(v) || v < min || (max !== undefined && v > max)) {
      throw invalidOption(
        max === undefined
          ? `sysvitals: \`webhook.${key}\` must be an integer ≥ ${min}, got ${String(v)}.`
          : `sysvitals: \`webhook.${key}\` must be an integer from ${min} to ${max}, got ${String(v)}.`,
      );
    }
    return v;
  };
  const headers = opts.headers ?? {};
  if (
    typeof headers !== 'object' ||
    headers === null ||
    Object.values(headers).some((h) => typeof h !== 'string')
  ) {
    throw invalidOption('sysvitals: `webhook.headers` must be an object of string values.');
  }
  if (opts.secret !== undefined && (typeof opts.secret !== 'string' || opts.secret === '')) {
    throw invalidOption('sysvitals: `webhook.secret` must be a non-empty string.');
  }
  if (opts.transform !== undefined && typeof opts.transform !== 'function') {
    throw invalidOption('sysvitals: `webhook.transform` must be a function (event) => body.');
  }
  return Object.freeze({
    url,
    timeoutMs: int('timeoutMs', 1, MAX_TIMER_MS),
    retries: int('retries', 0),
    retryDelayMs: int('retryDelayMs', 0, MAX_TIMER_MS),
    headers: Object.freeze({ ...headers }),
    secret: opts.secret,
    maxQueue: int('maxQueue', 1),
    transform: opts.transform ?? ((event: AlertEvent) => event),
    logger: safeLogger(opts.logger ?? consoleLogger),
  });
}

/**
 * Delivers events one at a time so a receiver sees raise before clear. `send` only enqueues: it
 * never blocks, never throws, and a receiver that is down costs at most `maxQueue` queued events.
 */
export class WebhookChannel {
  readonly config: WebhookConfig;
  private readonly queue: AlertEvent[] = [];
  private readonly outage: OutageLog;
  private running = false;
  private closed = false;
  private overflowing = false;
  private dropped = 0;
  /** Aborts the request in flight on close(); per attempt, with its own timeout (abortAfter). */
  private inFlight: AbortController | undefined;
  /** The answers whose bodies are still being read (close() cuts them off). */
  private readonly draining = new Set<AbortController>();
  private retryTimer: NodeJS.Timeout | undefined;
  private wakeRetry: (() => void) | undefined;
  private idleWaiters: Array<() => void> = [];
  /** The event being delivered (attempts and the waits between them), until accepted or given up on. */
  private current: AlertEvent | undefined;
  /** What close() cut off, oldest first (undefined until then). */
  private leftover: AlertEvent[] | undefined;
  /** Runs after an event is queued and after one is accepted (a cluster aggregator writes its ledger). @internal */
  onChange: (() => void) | undefined;
  /** Checked before each attempt: false drops the event (AlertSystem.setFence). @internal */
  fence: (() => boolean) | undefined;

  /** Names the receiver in logs by host only: webhook URLs often carry a secret token in the path. */
  private readonly key: string;

  constructor(options: WebhookOptions | string) {
    this.config = parseWebhookOptions(options);
    this.key = `webhook (${new URL(this.config.url).host})`;
    this.outage = new OutageLog(this.config.logger);
  }

  /** Events waiting (not counting the one being delivered). */
  get pending(): number {
    return this.queue.length;
  }

  /** Events dropped because the queue was full, since creation. */
  get droppedCount(): number {
    return this.dropped;
  }

  /**
   * What the receiver has not accepted yet: the event being delivered (retries included), then those waiting; after
   * close(), what it cut off (a closing cluster aggregator hands it to its successor in its ledger). @internal
   */
  unaccepted(): AlertEvent[] {
    if (this.leftover !== undefined) return this.leftover.slice();
    return this.current === undefined ? this.queue.slice() : [this.current, ...this.queue];
  }

  /** Queues a predecessor's undelivered events (a cluster aggregator's ledger); malformed ones are skipped. @internal */
  restore(events: unknown): void {
    const list = Array.isArray(events) ? (events as AlertEvent[]) : [];
    this.sendAll(list.filter((e) => typeof e?.type === 'string' && typeof e.alert?.id === 'string'));
  }

  send(event: AlertEvent): void {
    this.sendAll([event]);
  }

  /**
   * Queues the events, in order, then runs onChange once: what it reads (unaccepted()) has them all (a cluster
   * aggregator's ledger never holds an evaluation's alerts without the events it owes of them). @internal
   */
  sendAll(events: readonly AlertEvent[]): void {
    if (this.closed || events.length === 0) return;
    for (const event of events) {
      if (this.queue.length >= this.config.maxQueue) {
        this.queue.shift();
        this.dropped++;
        if (!this.overflowing) {
          this.overflowing = true;
          this.config.logger.warn(
            { component: this.key, maxQueue: this.config.maxQueue },
            `sysvitals: ${this.key} queue full (${this.config.maxQueue}); dropping the oldest alert events`,
          );
        }
      }
      this.queue.push(event);
    }
    if (!this.running) void this.run();
    this.changed();
  }

  private changed(): void {
    try {
      this.onChange?.();
    } catch {
      // The listener's failure (a ledger not written, logged there) is not the receiver's.
    }
  }

  /** Resolves when every queued event has been delivered or given up on (or the channel is closed). */
  flush(): Promise<void> {
    if (!this.running) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /** Drops queued events (unaccepted() still lists them), aborts the request in flight and stops retries. Idempotent. */
  close(): void {
    if (this.closed) return;
    // Taken before the abort: the attempt in flight is not accepted (at least once if it was already on the wire).
    this.leftover = this.unaccepted();
    // Said, as the other channels say it: events dropped at close are otherwise lost without a word (RT37-7).
    if (this.leftover.length > 0) {
      this.config.logger.warn(
        { component: this.key, undelivered: this.leftover.length },
        `sysvitals: ${this.key} closed with ${this.leftover.length} alert event(s) not delivered`,
      );
    }
    this.closed = true;
    this.queue.length = 0;
    this.inFlight?.abort();
    for (const drain of this.draining) drain.abort();
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.wakeRetry?.();
  }

  private async run(): Promise<void> {
    this.running = true;
    try {
      for (let event = this.queue.shift(); event && !this.closed; event = this.queue.shift()) {
        this.current = event;
        await this.deliver(event).finally(() => {
          this.current = undefined;
        });
        if (this.queue.length === 0) this.overflowing = false;
      }
    } catch (err) {
      // deliver() contains its own failures; this is a last line of defence.
      this.outage.failed(this.key, err);
    } finally {
      this.running = false;
      const waiters = this.idleWaiters;
      this.idleWaiters = [];
      for (const resolve of waiters) resolve();
    }
  }

  private async deliver(event: AlertEvent): Promise<void> {
    let body: string;
    try {
      const shaped = this.config.transform(event);
      // An async transform (a lookup, a template) is waited for, within the attempt timeout: sent as what it
      // resolves to, not as the promise's `{}`; its rejection skips the event as a throw does (outside review 36).
      body = JSON.stringify(thenOfValue(shaped) === undefined ? shaped : await this.settled(shaped));
    } catch (err) {
      this.config.logger.warn(
        { err: errorMessage(err) },
        'sysvitals: webhook transform failed; event skipped',
      );
      return;
    }
    let lastError = '';
    for (let attempt = 0; attempt <= this.config.retries && !this.closed; attempt++) {
      if (attempt > 0) await this.delay(this.config.retryDelayMs * 2 ** (attempt - 1));
      if (this.closed || (this.fence && !this.fence())) return;
      const outcome = await this.attempt(body);
      if (outcome === 'ok') {
        this.outage.recovered(this.key);
        // No longer pending when the listener reads what is (accepted as close() cut it off: not sent again).
        this.current = undefined;
        if (this.leftover !== undefined) this.leftover = this.leftover.filter((e) => e !== event);
        this.changed();
        return;
      }
      lastError = outcome.error;
      if (!outcome.retry) break;
    }
    if (!this.closed) this.outage.failed(this.key, lastError);
  }

  private async attempt(body: string): Promise<'ok' | { error: string; retry: boolean }> {
    const controller = new AbortController();
    this.inFlight = controller;
    // Bounds the request and the background read of its body (drain); cleared when the read ends.
    const stopTimer = abortAfter(controller, this.config.timeoutMs);
    let draining = false;
    try {
      const { url, headers } = withUrlCredentials(this.config.url, {
        'content-type': 'application/json',
        ...this.config.headers,
        ...(this.config.secret === undefined ? {} : signatureHeaders(this.config.secret, body, Date.now())),
      });
      const res = await fetch(url, {
        method: 'POST',
        headers,
        body,
        signal: controller.signal,
        // Refused as the channels refuse it: a redirect would carry the headers and the signed alert to another
        // origin, and a 301/302 turn the POST into a body-less GET counted as delivered (RT39-5).
        redirect: 'error',
      });
      // The status is the answer: accepted on a 2xx without waiting for the body (a kill meanwhile would have the
      // event sent again). The body is read in the background, so that the connection can be reused.
      this.drain(res, controller, stopTimer);
      draining = true;
      if (res.ok) return 'ok';
      return {
        error: `HTTP ${res.status}`,
        retry: res.status >= 500 || res.status === 429 || res.status === 408,
      };
    } catch (err) {
      const timedOut = err instanceof Error && err.name === 'TimeoutError';
      const cause = err instanceof Error && err.cause instanceof Error ? `: ${err.cause.message}` : '';
      return {
        error: timedOut ? `timed out after ${this.config.timeoutMs} ms` : `${errorMessage(err)}${cause}`,
        retry: true,
      };
    } finally {
      if (!draining) stopTimer();
      this.inFlight = undefined;
    }
  }

  /** Reads and discards at most 64 KB of the body of `res`, then cancels it (and the attempt's timeout or close() abort it). */
  private drain(res: Response, controller: AbortController, stopTimer: () => void): void {
    this.draining.add(controller);
    void readBounded(res)
      .catch(() => undefined)
      .finally(() => {
        stopTimer();
        this.draining.delete(controller);
      });
  }

  /** What an async transform resolves to; rejects after timeoutMs (its later rejection still handled by race). */
  private settled(shaped: unknown): Promise<unknown> {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const ms = this.config.timeoutMs;
    const late = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`transform did not settle within ${ms} ms`)), ms);
      timer.unref();
    });
    return Promise.race([Promise.resolve(shaped), late]).finally(() => clearTimeout(timer));
  }

  private delay(ms: number): Promise<void> {
    return new Promise((resolve) => {
      this.wakeRetry = resolve;
      // The doubling backoff can pass 2^31-1 ms after many retries: clamped, not fired at once (RT47-4).
      this.retryTimer = setTimeout(resolve, Math.min(ms, MAX_TIMER_MS));
      this.retryTimer.unref();
    });
  }
}
