// Files the parts of workers' frames into the history minute they were recorded in, not the one they arrive in:
// a minute closes once every live worker answered a sync asked at its end (or after syncTimeoutMs: incomplete).

import { errorMessage } from '../logger.js';
import type { AbsorbSpan } from '../requests/cluster-exchange.js';
import type { Logger } from '../types.js';

/** What the history writer calls around closing a bucket (history-writer.ts). */
export interface MinuteHook {
  /** Before a bucket closes: waits (bounded) until the live workers sent what they recorded; the ids that did not. */
  before(): Promise<string[]>;
  /** Right after the bucket's figures were taken (`end`: when it ended): what waited for the next minute is filed. */
  after(end: number): void;
}

/**
 * The minute (start, epoch ms) a part's figures were recorded in, when its span names a sub-window (a part cut
 * where the worker's windows turned, or the pending part of a frame: cuts.ts) that lies within one minute of
 * `resolutionMs` (the sub-window length divides it: 15 s and 60 s by default). undefined otherwise.
 */
export function minuteOf(span: AbsorbSpan | undefined, resolutionMs: number): number | undefined {
  if (span?.s === undefined || span.ms === undefined || !(span.ms > 0) || resolutionMs % span.ms !== 0)
    return undefined;
  const start = span.s * span.ms;
  return start - (start % resolutionMs);
}

/**
 * Holds a part of a later minute than the open one until that minute opens; anything else is filed at once. A minute then holds exactly what the workers recorded in it.
 */
export class MinuteGate implements MinuteHook {
  private open: number;
  private held: Array<{ minute: number | undefined; file: () => void }> = [];
  private waiters: Array<() => void> = [];

  constructor(
    private readonly resolutionMs: number,
    now: number,
    /** The aggregator's sync round: every connected worker sends what it holds; resolves to those that did not. */
    private readonly sync: () => Promise<string[]>,
    /** A filing that throws is reported here, never thrown at the caller. */
    private readonly failed: (err: unknown) => void,
  ) {
    this.open = this.align(now);
  }

  /** Files a part now (`file`), or once its minute opens. */
  file(span: AbsorbSpan | undefined, file: () => void): void {
    const minute = minuteOf(span, this.resolutionMs);
    if (minute !== undefined && minute > this.open) this.held.push({ minute, file });
    else file();
  }

  /** True while parts wait for their minute. */
  get holding(): boolean {
    return this.held.length > 0;
  }

  /** The history writer takes the bucket with no await after this resolves: no part comes in between. */
  before(): Promise<string[]> {
    return this.sync();
  }

  after(end: number): void {
    this.open = Math.max(this.open, this.align(end));
    this.release((m) => m === undefined || m <= this.open);
  }

  /** Files every held part now (the aggregator closes, or a read waited long enough). */
  releaseAll(): void {
    this.release(() => true);
  }

  /** Resolves once nothing is held, or after `limitMs` (then whatever is held is filed now: reads stay exact). */
  settled(limitMs: number): Promise<void> {
    if (this.held.length === 0) return Promise.resolve();
    return new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        this.releaseAll();
        resolve();
      }, limitMs);
      timer.unref?.();
      this.waiters.push(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  }

  private release(due: (minute: number | undefined) => boolean): void {
    const held = this.held;
    this.held = [];
    for (const h of held) {
      if (!due(h.minute)) {
        this.held.push(h);
        continue;
      }
      try {
        h.file();
      } catch (err) {
        this.failed(err);
      }
    }
    if (this.held.length > 0) return;
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) w();
  }

  private align(t: number): number {
    return t - (t % this.resolutionMs);
  }
}

/** Gates the cluster monitor's history buckets (none when it has no history writer to gate, as in tests). */
export function gateMinutes(
  monitor: { readonly historyWriter?: { gate: MinuteHook | undefined }; readonly resolutionMs?: number },
  options: { now(): number },
  sync: () => Promise<string[]>,
  logger: Logger,
): MinuteGate | undefined {
  const resolutionMs = monitor.resolutionMs;
  const writer = monitor.historyWriter;
  if (!writer || !(resolutionMs !== undefined && resolutionMs > 0)) return undefined;
  const gate = new MinuteGate(resolutionMs, options.now(), sync, (err) =>
    logger.warn(
      { err: errorMessage(err) },
      'sysvitals: a cluster report part held for its minute was not merged',
    ),
  );
  writer.gate = gate;
  return gate;
}
