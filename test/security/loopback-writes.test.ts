// Red team F8: without adminToken the admin API trusts any loopback caller, and every server-side caller on
// the host is one (an SSRF in the app, a sidecar, another local user). Reads stay open to them (documented);
// a write (a silence mutes alerting for up to 366 days) needs a configured credential.

import { afterEach, describe, expect, it } from 'vitest';
import { harnesses } from '../adapters/harness.js';
import { startTarget, type Target, TOKEN } from './fixture.js';

const targets: Target[] = [];
afterEach(async () => {
  for (const t of targets.splice(0)) await t.close();
});

const silence = JSON.stringify({ rule: 'error_rate', duration_ms: 31_536_000_000, comment: 'ssrf' });
const json = { 'content-type': 'application/json' };

describe.each(harnesses)('$name adapter', (harness) => {
  it('loopback mode: reads are served, silence writes are 403 naming adminToken and change nothing', async () => {
    const t = await startTarget(harness, {});
    targets.push(t);
    expect((await fetch(`${t.base}/silences/`)).status).toBe(200);
    const post = await fetch(`${t.base}/silences/`, { method: 'POST', headers: json, body: silence });
    expect(post.status).toBe(403);
    expect((await post.json()).error.message).toContain('set adminToken');
    const del = await fetch(`${t.base}/silences/abc`, { method: 'DELETE' });
    expect(del.status).toBe(403);
    const expire = await fetch(`${t.base}/silences/abc/expire`, {
      method: 'POST',
      headers: json,
      body: '{}',
    });
    expect(expire.status).toBe(403);
    const list = await (await fetch(`${t.base}/silences/`)).json();
    expect(list.data.silences ?? list.data).toHaveLength(0);
  });

  it('with adminToken, the same loopback write with the token is served', async () => {
    const t = await startTarget(harness, { api: { adminToken: TOKEN } });
    targets.push(t);
    const post = await fetch(`${t.base}/silences/`, {
      method: 'POST',
      headers: { ...json, authorization: `Bearer ${TOKEN}` },
      body: silence,
    });
    expect(post.status).toBe(201);
  });
});
