// `history/?method=` without `route` is a 400 naming the problem (red-team F5): it silently returned the
// host's history, against README's "a typo should not silently return the default".

import { afterEach, describe, expect, it } from 'vitest';
import { harnesses } from '../adapters/harness.js';
import { startTarget, type Target, TOKEN } from './fixture.js';

const targets: Target[] = [];
afterEach(async () => {
  for (const t of targets.splice(0)) await t.close();
});

describe.each(harnesses)('$name adapter', (harness) => {
  it('history/?method= alone: 400 invalid_parameter naming route; with route it narrows as before', async () => {
    const t = await startTarget(harness, { api: { adminToken: TOKEN, rateLimit: false } });
    targets.push(t);
    const headers = { authorization: `Bearer ${TOKEN}` };
    const alone = await fetch(`${t.base}/history/?method=zzz`, { headers });
    expect(alone.status).toBe(400);
    const body = await alone.json();
    expect(body.error.code).toBe('invalid_parameter');
    expect(body.error.message).toContain('`route`');
    expect((await fetch(`${t.base}/history/`, { headers })).status).toBe(200);
    // With a route: found or not, never the host's history (404 here: no route was served).
    expect((await fetch(`${t.base}/history/?route=/&method=GET`, { headers })).status).toBe(404);
  });
});
