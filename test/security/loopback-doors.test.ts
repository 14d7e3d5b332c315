// Loopback mode's remaining doors (red-team F6): a request without a Host header or with two is refused with
// 400 (the Host rule would judge nothing, or only the first of two); a proxy that adds only `Via` or
// `X-Client-IP` is a proxy (403), as one adding X-Forwarded-For, Forwarded or X-Real-IP is.

import { afterEach, describe, expect, it } from 'vitest';
import { harnesses } from '../adapters/harness.js';
import { BASE, startTarget, type Target } from './fixture.js';
import { rawExchange, rawRequest } from './raw-client.js';

const targets: Target[] = [];
afterEach(async () => {
  for (const t of targets.splice(0)) await t.close();
});

const statusOf = (answer: string) => Number(/^HTTP\/1\.[01] (\d{3})/.exec(answer)?.[1]);

describe.each(harnesses)('$name adapter', (harness) => {
  it('no Host, two Hosts: 400 invalid_host; one allowed Host: 200', async () => {
    const t = await startTarget(harness);
    targets.push(t);
    const path = `${BASE}/metrics/`;
    const one = await rawExchange(
      t.url,
      `GET ${path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n`,
    );
    expect(statusOf(one)).toBe(200);
    const none = await rawExchange(t.url, `GET ${path} HTTP/1.0\r\n\r\n`);
    expect(statusOf(none), none.slice(0, 300)).toBe(400);
    expect(none).toContain('"invalid_host"');
    for (const [first, second] of [
      ['localhost', 'evil.com'],
      ['localhost', 'localhost'],
    ]) {
      const two = await rawExchange(
        t.url,
        `GET ${path} HTTP/1.1\r\nHost: ${first}\r\nHost: ${second}\r\nConnection: close\r\n\r\n`,
      );
      expect(statusOf(two), `${first} + ${second}: ${two.slice(0, 200)}`).toBe(400);
      expect(two).not.toContain('"current_percent"');
    }
  });

  it('Via or X-Client-IP alone marks a proxy: 403, as X-Forwarded-For does', async () => {
    const t = await startTarget(harness);
    targets.push(t);
    for (const headers of [
      { via: '1.1 nginx' },
      { 'x-client-ip': '203.0.113.9' },
      { 'x-forwarded-for': '203.0.113.9' },
    ] as Record<string, string>[]) {
      const res = await rawRequest(t.url, { method: 'GET', path: `${BASE}/metrics/`, headers });
      expect(res.status, JSON.stringify(headers)).toBe(403);
      expect(JSON.parse(res.body).error.code).toBe('forbidden');
    }
    expect((await rawRequest(t.url, { method: 'GET', path: `${BASE}/metrics/` })).status).toBe(200);
  });
});
