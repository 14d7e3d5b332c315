// `HEAD stream/` is a complete header-only answer (red-team F3): the GET's headers, then the end; a client
// that says `Connection: close` gets its connection closed at once (it was held open with a forced
// keep-alive until the server's keep-alive timeout, 72 s on Fastify), and HEADs hold no stream slot.

import { describe, expect, it } from 'vitest';
import { harnesses } from '../adapters/harness.js';
import { BASE, TOKEN, useTargets } from './fixture.js';
import { rawRequest, untilClosed } from './raw-client.js';

const targets = useTargets();

describe.each(harnesses)('$name adapter', (harness) => {
  const start = () => targets.start(harness, { api: { adminToken: TOKEN, rateLimit: false } });

  it('HEAD stream/ with Connection: close: the headers, then the server closes the connection', async () => {
    const target = await start();
    const answer = await untilClosed(
      target.url,
      `HEAD ${BASE}/stream/ HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer ${TOKEN}\r\nConnection: close\r\n\r\n`,
    );
    const head = answer.toLowerCase();
    expect(head).toMatch(/^http\/1\.1 200 /);
    expect(head).toContain('content-type: text/event-stream');
    expect(head).toContain('connection: close');
    expect(head).not.toContain('connection: keep-alive');
    // Nothing after the head: no `retry:` line, no event.
    expect(answer.slice(answer.indexOf('\r\n\r\n') + 4)).toBe('');
  });

  it('many HEADs from one client hold no stream slot: a GET stream is still admitted after them', async () => {
    const target = await start();
    const auth = { authorization: `Bearer ${TOKEN}` };
    for (let i = 0; i < 15; i++) {
      const res = await rawRequest(target.url, { method: 'HEAD', path: `${BASE}/stream/`, headers: auth });
      expect(res.status).toBe(200);
      expect(res.headers.connection).toBe('close');
    }
    const get = await rawRequest(target.url, { method: 'GET', path: `${BASE}/stream/`, headers: auth });
    expect(get.status).toBe(200);
    expect(get.streaming).toBe(true);
  });
});
