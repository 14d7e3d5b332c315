// Outside review E, F4 (LOW): without trustProxy, a proxy like nginx's default (`proxy_pass http://127.0.0.1:PORT;`:
// HTTP/1.0 upstream, Host rewritten to 127.0.0.1:PORT, no header added) let a page on attacker.example rebound to
// the proxy read metrics/ and mint a token through the authorize hook: an address in Host was served as one a
// browser named. No browser speaks HTTP/1.0, so such a request is now judged as proxied (421 naming trustProxy
// and allowedHosts); HTTP/1.1 by address, an HTTP/1.0 request naming a listed name, and the bearer token are
// served. The requests are written byte for byte as that proxy writes them. Real adapters and servers.

import { connect } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import type { AdminApiOptions } from '../../src/http/admin-api-options.js';
import { harnesses } from '../adapters/harness.js';
import { BASE, startTarget, type Target, TOKEN } from './fixture.js';
import { rawRequest } from './raw-client.js';

const targets: Target[] = [];
afterEach(async () => {
  for (const t of targets.splice(0)) await t.close();
});

const PATHS = ['metrics/', 'token/', 'dashboard/'];

/**
 * What nginx's default proxy_pass writes upstream for the browser's GET (its `Host` rewritten, `Connection: close`),
 * read until the server closes. The socket is not half-closed first (nginx keeps it open for the answer).
 */
function http10(
  t: Target,
  path: string,
  host: string,
  extra = '',
): Promise<{ status: number; body: string }> {
  const { hostname, port } = new URL(t.url);
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    const socket = connect(Number(port), hostname, () => {
      socket.write(
        `GET ${BASE}/${path} HTTP/1.0\r\nHost: ${host}\r\nConnection: close\r\nUser-Agent: Mozilla/5.0\r\n` +
          `Accept: */*\r\n${extra}\r\n`,
      );
    });
    const timer = setTimeout(() => socket.destroy(new Error(`no answer: ${path} ${host}`)), 10_000);
    socket.on('data', (c: Buffer) => chunks.push(c));
    socket.on('error', reject);
    socket.on('close', () => {
      clearTimeout(timer);
      const text = Buffer.concat(chunks).toString('latin1');
      const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(text)?.[1] ?? 0);
      resolve({ status, body: text.slice(text.indexOf('\r\n\r\n') + 4) });
    });
  });
}

describe.each(harnesses)('$name: an HTTP/1.0 request naming an address, without trustProxy', (harness) => {
  async function start(api: Record<string, unknown>): Promise<Target> {
    const t = await startTarget(harness, { api: api as unknown as AdminApiOptions<never> });
    targets.push(t);
    return t;
  }

  it('is judged as proxied (421 saying how); HTTP/1.1, a listed name and the bearer token are served', async () => {
    const t = await start({ authorize: () => true, adminToken: TOKEN, allowedHosts: ['admin.example.com'] });
    const port = new URL(t.url).port;
    for (const host of [`127.0.0.1:${port}`, 'localhost', `10.0.0.5:${port}`, '[::1]']) {
      for (const path of PATHS) {
        const res = await http10(t, path, host);
        expect(res.status, `${host} ${path}`).toBe(421);
        const error = (JSON.parse(res.body) as { error: { code: string; message: string } }).error;
        expect(error.code).toBe('host_not_allowed');
        expect(error.message).toContain('trustProxy');
        expect(error.message).toContain('allowedHosts');
        expect(error.message).toContain('proxy_set_header Host $host;');
      }
    }
    // A proxy that passes the browser's Host on, naming a listed name: served over HTTP/1.0 too.
    for (const path of PATHS) expect((await http10(t, path, 'admin.example.com')).status, path).toBe(200);
    // The rebound page's own name is refused as before.
    expect((await http10(t, 'metrics/', 'attacker.example')).status).toBe(421);
    // The bearer token has no Host rule: served over HTTP/1.0 by address.
    const bearer = await http10(t, 'metrics/', `127.0.0.1:${port}`, `Authorization: Bearer ${TOKEN}\r\n`);
    expect(bearer.status).toBe(200);
    // HTTP/1.1 by address (a browser or curl opening the IP) is served as before.
    for (const path of PATHS) {
      const res = await rawRequest(t.url, {
        method: 'GET',
        path: `${BASE}/${path}`,
        headers: { host: `127.0.0.1:${port}` },
      });
      expect(res.status, path).toBe(200);
    }
  });

  it('adminToken alone (no Host rule for the bearer, none for the page without allowedHosts): served', async () => {
    const t = await start({ adminToken: TOKEN });
    const port = new URL(t.url).port;
    expect((await http10(t, 'dashboard/', `127.0.0.1:${port}`)).status).toBe(200);
    expect(
      (await http10(t, 'metrics/', `127.0.0.1:${port}`, `Authorization: Bearer ${TOKEN}\r\n`)).status,
    ).toBe(200);
  });
});
