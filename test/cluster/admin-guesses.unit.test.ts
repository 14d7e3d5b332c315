// The cluster's admin rate limit (cluster/admin-guesses.ts) without processes: workers' SharedBudgets over one
// aggregator's BudgetBook give exactly the verdicts of one process's limiter (the oracle: createRateLimiter fed the
// same requests, a fixed-seed random sequence); with the aggregator gone a worker fails closed as README says; a
// right 32+ character token is served without asking the aggregator, and the served budget is never waited for.

import { describe, expect, it } from 'vitest';
import {
  BudgetBook,
  type BudgetLink,
  type BudgetQuestion,
  type BudgetVerdict,
  SharedBudget,
} from '../../src/cluster/admin-guesses.js';
import { RemoteError } from '../../src/cluster/peer.js';
import { createAdminApi } from '../../src/http/api.js';
import { createRateLimiter, type RateLimitOptions } from '../../src/http/rate-limit.js';
import type { AdminSource } from '../../src/http/route.js';
import { fakeSource, serve } from '../http/admin-fixture.js';

const quiet = { warn: () => {}, error: () => {} };

/** One aggregator (its BudgetBook) and `workers` workers' budgets of one admin API, on the clock `now`. */
function cluster(options: RateLimitOptions, workers: number, now: () => number, answering: () => boolean) {
  const book = new BudgetBook();
  const warnings: unknown[] = [];
  const asked: BudgetQuestion[] = [];
  const link: BudgetLink = {
    ask: async (q) => {
      asked.push(q);
      if (!answering()) throw new RemoteError('unavailable', 'no cluster aggregator is reachable');
      return book.answer(q, true);
    },
    timeoutMs: 1000,
    logger: { warn: (o) => warnings.push(o), error: () => {} },
  };
  book.register('api', 'refused', createRateLimiter(options, now));
  const budgets = Array.from(
    { length: workers },
    () => new SharedBudget(link, 'api', 'refused', createRateLimiter(options, now), now, 10_000),
  );
  return { budgets, warnings, asked };
}

/** The verdict without the remembered window's end (the oracle's says the same for a client's own window). */
const plain = (v: BudgetVerdict) => (v.ok ? { ok: true } : { ok: false, retry: v.retryAfterSeconds });

describe('SharedBudget', () => {
  it('3 workers over one aggregator give the verdicts of one process, request by request (fixed seed)', async () => {
    let t = 1_000_000;
    const options = { max: 4, windowMs: 10_000 };
    const { budgets } = cluster(
      options,
      3,
      () => t,
      () => true,
    );
    const oracle = createRateLimiter(options, () => t);
    let x = 7;
    const rand = (n: number) => {
      x = (x * 1103515245 + 12345) % 2147483648;
      return x % n;
    };
    let refused = 0;
    for (let i = 0; i < 3000; i++) {
      t += rand(700);
      const worker = budgets[rand(3)] as SharedBudget;
      const key = `10.0.0.${rand(3)}`;
      // A pre-check, then (as admission does for a wrong credential) a count when it was not refused.
      const spent = await worker.spent(key);
      expect(plain(spent), `request ${i}: pre-check`).toEqual(plain(oracle.spent(key)));
      if (!spent.ok) {
        refused++;
        continue;
      }
      expect(plain(await worker.hit(key)), `request ${i}: count`).toEqual(plain(oracle.hit(key)));
    }
    expect(refused, 'the sequence locks clients out often').toBeGreaterThan(300);
  });

  it('the aggregator gone: a lock-out it told of holds until its window ends, other clients get the floor', async () => {
    let t = 0;
    let answering = true;
    const { budgets, warnings } = cluster(
      { max: 3, windowMs: 60_000 },
      2,
      () => t,
      () => answering,
    );
    const [told, untold] = budgets as [SharedBudget, SharedBudget];
    // 3 wrong guesses through `told`, spread: the cluster's budget is spent at the third.
    for (let i = 0; i < 3; i++) expect((await told.hit('a')).ok).toBe(true);
    expect(await told.spent('a')).toEqual({ ok: false, retryAfterSeconds: 60, until: 60_000 });
    answering = false;
    t = 30_000;
    // Told of a's window: refused without the aggregator, until that window ends.
    expect(await told.spent('a')).toEqual({ ok: false, retryAfterSeconds: 30, until: 60_000 });
    expect(await told.hit('a')).toEqual({ ok: false, retryAfterSeconds: 30, until: 60_000 });
    // Another client: this worker's own budget (the floor), max wrong guesses, then refused.
    const b: boolean[] = [];
    for (let i = 0; i < 4; i++) b.push((await told.hit('b')).ok);
    expect(b).toEqual([true, true, true, false]);
    // A worker never told of a's window decides by its own count of a's guesses: none seen, a full floor.
    expect((await untold.spent('a')).ok).toBe(true);
    expect(warnings).toHaveLength(2); // once per worker for the outage
    t = 60_000;
    expect((await told.spent('a')).ok).toBe(true);
    // The aggregator answers again: its count decides (b's floor is spent here, not in the cluster).
    answering = true;
    expect((await told.hit('b')).ok).toBe(true);
  });

  it('the served budget never waits: counted in the background, refused once the aggregator said it is spent', async () => {
    const t = 0;
    const book = new BudgetBook();
    book.register(
      'api',
      'served',
      createRateLimiter({ max: 2 }, () => t),
    );
    const pending: Array<() => void> = [];
    const link: BudgetLink = {
      // Answered only when the test says so.
      ask: (q) => new Promise((resolve) => pending.push(() => resolve(book.answer(q, true)))),
      timeoutMs: 60_000,
      logger: quiet,
    };
    const served = new SharedBudget(
      link,
      'api',
      'served',
      createRateLimiter({ max: 2 }, () => t),
      () => t,
      100,
    );
    // Four requests before any answer: all served (nothing waits), four counts on their way.
    expect([1, 2, 3, 4].map(() => served.hitNow('k').ok)).toEqual([true, true, true, true]);
    for (const answer of pending.splice(0)) answer();
    await new Promise((r) => setImmediate(r));
    // The third count was over: refused from the next request on, without asking.
    expect(served.hitNow('k')).toEqual({ ok: false, retryAfterSeconds: 60, until: 60_000 });
    expect(pending).toHaveLength(0);
  });
});

describe('admission over shared budgets', () => {
  it('a right 32+ character token is served without asking the aggregator; a wrong one waits for its count', async () => {
    const token = 'a-long-random-admin-token-0123456789abcdef';
    const src = fakeSource();
    const asked: BudgetQuestion[] = [];
    const book = new BudgetBook();
    const source: AdminSource = Object.assign(Object.create(src) as AdminSource, {
      shareBudget(
        api: string,
        budget: 'refused' | 'served',
        limiters: {
          local: ReturnType<typeof createRateLimiter>;
          cluster: ReturnType<typeof createRateLimiter>;
        },
      ) {
        book.register(api, budget, limiters.cluster);
        const link: BudgetLink = {
          ask: async (q) => {
            asked.push(q);
            return book.answer(q, true);
          },
          timeoutMs: 1000,
          logger: quiet,
        };
        return new SharedBudget(link, api, budget, limiters.local, () => src.clock.now(), 100);
      },
    });
    const api = createAdminApi(source, { adminToken: token, rateLimit: { max: 2 } });
    const s = await serve(async (req, res) => {
      if (!(await api.handle(req, res))) res.end();
    });
    try {
      const get = (bearer: string) =>
        fetch(`${s.url}/api/core/admin/system/health`, { headers: { authorization: `Bearer ${bearer}` } });
      expect((await get(token)).status).toBe(200);
      // The served budget's count went in the background; the refused budget was not asked.
      expect(asked.map((q) => `${q.budget} ${q.action}`)).toEqual(['served hit']);
      asked.length = 0;
      expect((await get('wrong')).status).toBe(403);
      expect(asked.map((q) => `${q.budget} ${q.action}`)).toEqual(['refused spent', 'refused hit']);
      // Two wrong guesses spend the budget of 2: refused, and the right long token is still served.
      expect((await get('wrong')).status).toBe(403);
      expect((await get('wrong')).status).toBe(429);
      expect((await get(token)).status).toBe(200);
    } finally {
      await s.close();
    }
  });
});
