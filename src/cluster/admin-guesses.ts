// Cluster mode's admin rate limit (outside review 20, F4): each admin API's budgets (wrong guesses, served
// requests) counted once for the whole cluster by its aggregator, with the same limiter code and clock as one
// process uses, so that N workers behind one port give a client the budget of one process, not N of them.

import { errorMessage } from '../logger.js';
import type { Logger } from '../types.js';
import { RemoteError } from './peer.js';

/** A limiter's verdict (http/rate-limit.ts RateLimitVerdict); `until`: when the client's own spent window ends. */
export type BudgetVerdict = { ok: true } | { ok: false; retryAfterSeconds: number; until?: number };

/** One budget as http/rate-limit.ts counts it (a RateLimiter). */
export interface CountingBudget {
  hit(key: string): BudgetVerdict;
  spent(key: string): BudgetVerdict;
}

/** `refused`: wrong credentials (guesses); `served`: requests let in. */
export type BudgetName = 'refused' | 'served';

/** A worker's question to the aggregator: count one for `key` in a budget, or only say whether it is spent. */
export interface BudgetQuestion {
  op: 'budget';
  /** The admin API, named alike on every worker (its base path and rate-limit settings). */
  api: string;
  budget: BudgetName;
  action: 'hit' | 'spent';
  key: string;
}

/**
 * This process's admin APIs' budgets for the cluster: a second limiter of each (the first is the process's own,
 * below), counted only while this process is the aggregator, answering every worker's questions.
 */
export class BudgetBook {
  private readonly budgets = new Map<string, CountingBudget>();

  register(api: string, budget: BudgetName, limiter: CountingBudget): void {
    this.budgets.set(`${budget}\n${api}`, limiter);
  }

  /**
   * The verdict for a question; `unavailable` once deposed (`holds` false: the worker asks the successor),
   * `not_found` for an admin API this process does not serve (another version's settings).
   */
  answer(q: BudgetQuestion, holds: boolean): BudgetVerdict {
    if (!holds) throw new RemoteError('unavailable', 'no longer the cluster aggregator');
    const limiter = this.budgets.get(`${q.budget}\n${q.api}`);
    if (!limiter) throw new RemoteError('not_found', 'no such admin API on the aggregator');
    return q.action === 'hit' ? limiter.hit(q.key) : limiter.spent(q.key);
  }
}

/** Checks a budget question received over the socket; null when malformed. */
export function parseBudgetQuestion(o: Record<string, unknown>): BudgetQuestion | null {
  const text = (v: unknown, max: number) => typeof v === 'string' && v.length <= max;
  if (
    !text(o.api, 4096) ||
    !text(o.key, 256) ||
    (o.budget !== 'refused' && o.budget !== 'served') ||
    (o.action !== 'hit' && o.action !== 'spent')
  )
    return null;
  return { op: 'budget', api: o.api as string, budget: o.budget, action: o.action, key: o.key as string };
}

/** What a worker's side needs of its cluster link. */
export interface BudgetLink {
  /** Asks the aggregator (in process when this worker is it); rejects with a RemoteError when none answers. */
  ask(q: BudgetQuestion): Promise<unknown>;
  /** How long an answer is waited for before this process's own budget decides (`cluster.syncTimeoutMs`). */
  readonly timeoutMs: number;
  readonly logger: Logger;
}

/**
 * A worker's side of one budget of one admin API. While the aggregator answers, its verdict is the verdict: the
 * cluster's count, on the same windows as one process's limiter. Every request is also counted in this process's
 * own limiter (`local`, the floor), and every window the aggregator says is spent is remembered until it ends:
 * when the aggregator cannot be asked in time (none elected, dead, hung), the worker decides alone, failing
 * closed: a client the cluster had locked stays locked here, and others get at most this worker's own budget.
 *
 * Refused budget: `spent` and `hit` wait for the aggregator (a wrong guess, or the pre-check of a guessable
 * credential, which must be refused on every worker once the client is locked). Served budget: `hit` never
 * waits (a right credential is served at once); its count reaches the aggregator in the background, and a
 * window it says is spent is refused here from the next request on.
 */
export class SharedBudget {
  /** Spent windows the aggregator told of: key -> when the window ends (the limiter's clock). */
  private readonly locks = new Map<string, number>();
  /** The last question was not answered: the served budget decides by the floor until one is. */
  private unanswered = false;
  private told = false;

  constructor(
    private readonly link: BudgetLink,
    private readonly api: string,
    private readonly budget: BudgetName,
    private readonly local: CountingBudget,
    private readonly now: () => number,
    /** Bounds the remembered windows (the limiter's maxClients). */
    private readonly maxLocks: number,
  ) {}

  /** Whether `key` has spent its budget, without counting (refused budget: the pre-check). */
  async spent(key: string): Promise<BudgetVerdict> {
    return this.locked(key) ?? (await this.asked('spent', key)) ?? this.local.spent(key);
  }

  /** Counts one for `key` and gives the cluster's verdict (refused budget: a wrong guess). */
  async hit(key: string): Promise<BudgetVerdict> {
    const floor = this.local.hit(key);
    return this.locked(key) ?? (await this.asked('hit', key)) ?? floor;
  }

  /** Counts one for `key` without waiting (served budget): refused once the aggregator said its window is spent. */
  hitNow(key: string): BudgetVerdict {
    const floor = this.local.hit(key);
    const locked = this.locked(key);
    if (locked) return locked;
    const alone = this.unanswered;
    void this.asked('hit', key);
    return alone ? floor : { ok: true };
  }

  private locked(key: string): BudgetVerdict | undefined {
    const until = this.locks.get(key);
    if (until === undefined) return undefined;
    const left = until - this.now();
    if (left > 0) return { ok: false, retryAfterSeconds: Math.max(1, Math.ceil(left / 1000)), until };
    this.locks.delete(key);
    return undefined;
  }

  /** The aggregator's verdict, or undefined when it did not answer in time (this process decides). */
  private async asked(action: 'hit' | 'spent', key: string): Promise<BudgetVerdict | undefined> {
    const q: BudgetQuestion = { op: 'budget', api: this.api, budget: this.budget, action, key };
    let timer: NodeJS.Timeout | undefined;
    try {
      const late = new Promise<never>((_, reject) => {
        timer = setTimeout(
          () => reject(new RemoteError('unavailable', `no answer within ${this.link.timeoutMs} ms`)),
          this.link.timeoutMs,
        );
        timer.unref();
      });
      const v = (await Promise.race([this.link.ask(q), late])) as BudgetVerdict;
      if (v === null || typeof v !== 'object' || typeof v.ok !== 'boolean')
        throw new Error('malformed answer');
      this.unanswered = false;
      this.told = false;
      if (!v.ok && typeof v.until === 'number') this.remember(key, v.until);
      return v.ok ? { ok: true } : v;
    } catch (err) {
      this.unanswered = true;
      if (!this.told) {
        this.told = true;
        this.link.logger.warn(
          { err: errorMessage(err), budget: this.budget },
          "sysvitals: the cluster's admin rate limit did not answer; this worker's own budget applies until it does",
        );
      }
      return undefined;
    } finally {
      clearTimeout(timer);
    }
  }

  private remember(key: string, until: number): void {
    this.locks.delete(key); // the Map keeps insertion order: the oldest window first
    if (this.locks.size >= this.maxLocks) {
      const now = this.now();
      for (const [k, end] of this.locks) {
        if (end > now && this.locks.size < this.maxLocks) break;
        this.locks.delete(k);
      }
    }
    this.locks.set(key, until);
  }
}
