// The `?access_token=` from `GET token/` exists for EventSource, which cannot send headers; a URL ends up in
// proxy logs, browser history and Referer headers, so a leaked one must not write (create or expire silences).

import { afterEach, describe, expect, it } from 'vitest';
import { harnesses } from '../adapters/harness.js';
import { startTarget, type Target, TOKEN } from './fixture.js';

const targets: Target[] = [];
afterEach(async () => {
  for (const t of targets.splice(0)) await t.close();
});

const silence = JSON.stringify({ rule: 'cpu', duration_ms: 60_000, comment: 'x' });

describe.each(harnesses)('$name adapter', (harness) => {
  it('an access token reads but never writes; the bearer token writes', async () => {
    const t = await startTarget(harness, { api: { adminToken: TOKEN } });
    targets.push(t);
    const auth = { authorization: `Bearer ${TOKEN}` };
    const minted = await (await fetch(`${t.base}/token/`, { headers: auth })).json();
    const q = `?access_token=${encodeURIComponent(minted.data.token)}`;

    expect((await fetch(`${t.base}/silences/${q}`)).status).toBe(200);

    const post = await fetch(`${t.base}/silences/${q}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: silence,
    });
    expect(post.status).toBe(403);
    expect((await post.json()).error.message).toContain('Authorization');

    const created = await fetch(`${t.base}/silences/`, {
      method: 'POST',
      headers: { ...auth, 'content-type': 'application/json' },
      body: silence,
    });
    expect(created.status).toBe(201);
    const id = (await created.json()).data.id as string;

    const del = await fetch(`${t.base}/silences/${id}${q}`, { method: 'DELETE' });
    expect(del.status).toBe(403);
    const expire = await fetch(`${t.base}/silences/${id}/expire${q}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{}',
    });
    expect(expire.status).toBe(403);
    const list = await (await fetch(`${t.base}/silences/`, { headers: auth })).json();
    expect(list.data.silences.map((s: { id: string; status: string }) => [s.id, s.status])).toEqual([
      [id, 'active'],
    ]);
  });
});
