import { describe, expect, it } from 'vitest';
import { SysvitalsError } from '../../src/errors.js';
import { createRateLimiter } from '../../src/http/rate-limit.js';

describe('createRateLimiter', () => {
  it('allows max requests per client per window, then says when to retry', () => {
    let t = 60_000 * 10 + 15_000; // 15 s into a clock minute: the client's window starts here all the same
    const until = t + 60_000; // the end of a's window (cluster mode remembers it: cluster/admin-guesses.ts)
    const limiter = createRateLimiter({ max: 3, windowMs: 60_000 }, () => t);
    expect([1, 2, 3].map(() => limiter.hit('a').ok)).toEqual([true, true, true]);
    expect(limiter.hit('a')).toEqual({ ok: false, retryAfterSeconds: 60, until });
    expect(limiter.hit('b').ok).toBe(true);
    t += 59_500;
    expect(limiter.hit('a')).toEqual({ ok: false, retryAfterSeconds: 1, until });
    t += 500;
    expect(limiter.hit('a').ok).toBe(true);
  });

  it('bounds the clients tracked: newcomers beyond maxClients share one budget', () => {
    const limiter = createRateLimiter({ max: 2, maxClients: 2 }, () => 0);
    limiter.hit('a');
    limiter.hit('b');
    expect(limiter.hit('c').ok).toBe(true);
    expect(limiter.hit('d').ok).toBe(true);
    expect(limiter.hit('e')).toEqual({ ok: false, retryAfterSeconds: 60 }); // c, d, e share the overflow budget of 2; no window of e's own
    expect(limiter.hit('a').ok).toBe(true); // tracked clients keep their own
  });

  it('a new client past maxClients is spent while the shared overflow budget is (outside review 23, RT23-4)', () => {
    let t = 0;
    const limiter = createRateLimiter({ max: 2, maxClients: 2, windowMs: 60_000 }, () => t);
    limiter.hit('a');
    limiter.hit('b');
    expect(limiter.spent('z').ok).toBe(true); // the table is full, the overflow budget untouched
    limiter.hit('c');
    expect(limiter.spent('z').ok).toBe(true); // 1 of the overflow's 2 counted
    limiter.hit('d');
    // 2 of 2: the next refusal of any new client would be over, so none of them is checked (a right short token
    // answered 200 where a wrong one got 429 was an unlimited oracle).
    expect(limiter.spent('z')).toEqual({ ok: false, retryAfterSeconds: 60 });
    expect(limiter.spent('never-seen')).toEqual({ ok: false, retryAfterSeconds: 60 });
    expect(limiter.spent('a').ok).toBe(true); // a tracked client keeps its own budget
    t += 60_000; // every window over: a and b are swept, so a new client gets a window of its own again
    expect(limiter.spent('z').ok).toBe(true);
  });

  it('defaults to 300 a minute', () => {
    const limiter = createRateLimiter({}, () => 0);
    expect(limiter.config).toEqual({ max: 300, windowMs: 60_000, maxClients: 10_000 });
    let allowed = 0;
    for (let i = 0; i < 400; i++) if (limiter.hit('x').ok) allowed++;
    expect(allowed).toBe(300);
  });

  it.each([{ max: 0 }, { windowMs: 1.5 }, { maxClients: -1 }, { max: Number.NaN }, { maxx: 3 }])(
    'refuses %j at setup',
    (options) => {
      expect(() => createRateLimiter(options as never, () => 0)).toThrow(SysvitalsError);
    },
  );
});
