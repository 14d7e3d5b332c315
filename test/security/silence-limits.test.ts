// Red team F11: silences were bounded only by the rate limit. Over HTTP: at most 1000 active or pending
// (the next is 409 and changes nothing), at most 20 labels of 200 characters, a comment of 1000.

import { afterEach, describe, expect, it } from 'vitest';
import { harnesses } from '../adapters/harness.js';
import { startTarget, type Target, TOKEN } from './fixture.js';

const targets: Target[] = [];
afterEach(async () => {
  for (const t of targets.splice(0)) await t.close();
});

describe('silence limits over HTTP (express)', () => {
  it('caps the count at 1000 with a 409, and the labels and comment by size, changing nothing', async () => {
    const t = await startTarget(harnesses[0]!, { api: { adminToken: TOKEN, rateLimit: false } });
    targets.push(t);
    const headers = { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' };
    const post = (body: unknown) =>
      fetch(`${t.base}/silences/`, { method: 'POST', headers, body: JSON.stringify(body) });
    const count = async () =>
      ((await (await fetch(`${t.base}/silences/`, { headers })).json()).data.silences as unknown[]).length;

    const big = { labels: { a: 'x'.repeat(201) }, duration_ms: 60_000 };
    expect((await post(big)).status).toBe(400);
    const many = {
      labels: Object.fromEntries(Array.from({ length: 21 }, (_, i) => [`l${i}`, 'v'])),
      duration_ms: 60_000,
    };
    expect((await post(many)).status).toBe(400);
    expect((await post({ rule: 'cpu', duration_ms: 60_000, comment: 'c'.repeat(1001) })).status).toBe(400);
    expect(await count()).toBe(0);

    for (let i = 0; i < 1000; i++) {
      const res = await post({ rule: 'cpu', duration_ms: 60_000, comment: `n${i}` });
      expect(res.status).toBe(201);
    }
    const over = await post({ rule: 'cpu', duration_ms: 60_000 });
    expect(over.status).toBe(409);
    const body = await over.json();
    expect(body.error.code).toBe('too_many_silences');
    expect(body.error.message).toContain('expire some first');
    expect(await count()).toBe(1000);
  }, 60_000);
});
