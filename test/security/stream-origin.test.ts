// `stream/` from another site's page: EventSource sends that page's Origin; the stream is refused (403
// origin_not_allowed) before it takes one of the client's stream slots, as the WebSocket is.

import { request } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { harnesses } from '../adapters/harness.js';
import { BASE, startTarget, type Target } from './fixture.js';

const targets: Target[] = [];
afterEach(async () => {
  for (const t of targets.splice(0)) await t.close();
});

/** The status and content type of a GET, then the connection is dropped (a stream never ends). */
function open(url: string, headers: Record<string, string>): Promise<{ status: number; type: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { headers }, (res) => {
      resolve({ status: res.statusCode ?? 0, type: String(res.headers['content-type'] ?? '') });
      req.destroy();
    });
    req.on('error', reject);
    req.end();
  });
}

describe.each(harnesses)('$name adapter', (harness) => {
  it('a foreign Origin is refused; no Origin, the own origin and allowedOrigins are served', async () => {
    const t = await startTarget(harness, { api: { allowedOrigins: ['https://ops.example.com'] } });
    targets.push(t);
    const url = `${t.url}${BASE}/stream/`;
    const own = new URL(t.url).origin;
    expect(await open(url, { origin: 'http://evil.example' })).toEqual({
      status: 403,
      type: expect.stringContaining('application/json'),
    });
    expect((await open(url, { origin: 'null' })).status).toBe(403);
    const allowed: Record<string, string>[] = [{}, { origin: own }, { origin: 'https://ops.example.com' }];
    for (const headers of allowed) {
      const r = await open(url, headers);
      expect(r.status).toBe(200);
      expect(r.type).toContain('text/event-stream');
    }
  });
});
