// Outside review 5, R5: loopback-only mode (no adminToken, no authorize) behind a same-host proxy that adds no
// forwarding header. nginx's default `proxy_pass http://127.0.0.1:PORT;` sends upstream an HTTP/1.0 request
// with `Host: 127.0.0.1:PORT` and `Connection: close` and nothing else: the whole admin API was served to the
// internet. CDN client-IP headers alone (CF-Connecting-IP, True-Client-IP, ...) were let through too.
// Now: an HTTP/1.0 request is refused in that mode (unless a trusted X-Forwarded-For chain judges it), and
// every common proxy/CDN header marks a proxy. The answer is the generic 403 (review 1, D5); the reason
// goes to the log. Real servers, raw sockets, the exact bytes of the repro.

import type { IncomingMessage } from 'node:http';
import { describe, expect, it } from 'vitest';
import type { AdminApiOptions } from '../../src/http/admin-api-options.js';
import { createAuthenticator } from '../../src/http/auth.js';
import { PROXY_HEADERS } from '../../src/http/proxy-signals.js';
import { harnesses } from '../adapters/harness.js';
import { BASE, loopbackTargets, TOKEN } from './fixture.js';
import { rawExchange, rawRequest } from './raw-client.js';

const startTarget = loopbackTargets();

const statusOf = (answer: string) => Number(/^HTTP\/1\.[01] (\d{3})/.exec(answer)?.[1]);
const bodyOf = (answer: string) => answer.slice(answer.indexOf('\r\n\r\n') + 4);

/** What nginx's default proxy_pass sends upstream for an internet client's `curl https://site/<path>`. */
function nginxDefault(port: string, path: string, version = '1.0', extra = ''): string {
  return (
    `GET ${path} HTTP/${version}\r\nHost: 127.0.0.1:${port}\r\nConnection: close\r\n` +
    `User-Agent: curl/8.5.0\r\nAccept: */*\r\n${extra}\r\n`
  );
}

const READS = ['/health/?detailed=true', '/metrics/', '/routes/', '/history/', '/token/'];

describe.each(harnesses)('$name adapter, loopback-only mode', (harness) => {
  const target = (api: AdminApiOptions<never> = {}) => startTarget(harness, api);

  it('nginx default proxy_pass (HTTP/1.0, no forwarding header): every read refused with the generic 403', async () => {
    const { t, port } = await target();
    for (const path of READS) {
      const answer = await rawExchange(t.url, nginxDefault(port, BASE + path));
      expect(statusOf(answer), `${path}: ${answer.slice(0, 300)}`).toBe(403);
      expect(JSON.parse(bodyOf(answer))).toMatchObject({
        success: false,
        error: { code: 'forbidden', message: 'not authorized to read the admin API' },
      });
      expect(answer).not.toContain('"components"');
    }
    // The same bytes over HTTP/1.1, as curl on the host sends them: still a loopback client, served.
    for (const path of READS) {
      const answer = await rawExchange(t.url, nginxDefault(port, BASE + path, '1.1'));
      expect(statusOf(answer), `${path}: ${answer.slice(0, 300)}`).toBe(200);
    }
  });

  it('each proxy or CDN client-IP header alone marks a proxy: 403; none: 200', async () => {
    const { t } = await target();
    for (const name of [
      'cf-connecting-ip',
      'true-client-ip',
      'fastly-client-ip',
      'x-cluster-client-ip',
      'x-forwarded-host',
      'x-original-forwarded-for',
      'x-forwarded-proto',
    ]) {
      const value =
        name === 'x-forwarded-host' ? 'example.com' : name.endsWith('proto') ? 'https' : '203.0.113.9';
      const res = await rawRequest(t.url, {
        method: 'GET',
        path: `${BASE}/metrics/`,
        headers: { [name]: value },
      });
      expect(res.status, name).toBe(403);
      expect(JSON.parse(res.body).error.code).toBe('forbidden');
    }
    expect((await rawRequest(t.url, { method: 'GET', path: `${BASE}/metrics/` })).status).toBe(200);
  });

  it('HTTP/1.0 through a trusted proxy that names a loopback client (trustProxy 1, X-Forwarded-For): served', async () => {
    const { t, port } = await target({ trustProxy: 1 });
    const local = await rawExchange(
      t.url,
      nginxDefault(port, `${BASE}/metrics/`, '1.0', 'X-Forwarded-For: 127.0.0.1\r\n'),
    );
    expect(statusOf(local), local.slice(0, 300)).toBe(200);
    const remote = await rawExchange(
      t.url,
      nginxDefault(port, `${BASE}/metrics/`, '1.0', 'X-Forwarded-For: 203.0.113.9\r\n'),
    );
    expect(statusOf(remote)).toBe(403);
    // Without X-Forwarded-For the socket alone would decide: refused, as without trustProxy.
    expect(statusOf(await rawExchange(t.url, nginxDefault(port, `${BASE}/metrics/`)))).toBe(403);
  });

  it('a tunnel agent naming its internet client before the local nginx (trustProxy 1): every read refused (review 6, F9)', async () => {
    const { t, port } = await target({ trustProxy: 1 });
    // cloudflared/ngrok on the host sets X-Forwarded-For: <internet client>; nginx appends 127.0.0.1.
    const tunnel = (path: string) =>
      nginxDefault(port, BASE + path, '1.1', 'X-Forwarded-For: 8.8.8.8, 127.0.0.1\r\n');
    for (const path of READS) {
      const answer = await rawExchange(t.url, tunnel(path));
      expect(statusOf(answer), `${path}: ${answer.slice(0, 300)}`).toBe(403); // was 200
      expect(answer).not.toContain('"components"');
    }
    // The same path from a local client through the same nginx: served.
    const local = nginxDefault(port, `${BASE}/metrics/`, '1.1', 'X-Forwarded-For: 127.0.0.1, 127.0.0.1\r\n');
    expect(statusOf(await rawExchange(t.url, local))).toBe(200);
  });

  it('with adminToken, HTTP/1.0 with the bearer is served (the HTTP/1.0 rule is loopback mode’s only)', async () => {
    const { t, port } = await target({ adminToken: TOKEN });
    const answer = await rawExchange(
      t.url,
      nginxDefault(port, `${BASE}/metrics/`, '1.0', `Authorization: Bearer ${TOKEN}\r\n`),
    );
    expect(statusOf(answer), answer.slice(0, 300)).toBe(200);
  });
});

describe('the HTTP/1.0 refusal is logged with its reason, once', () => {
  it('names adminToken in the log, not in the answer', async () => {
    const lines: string[] = [];
    const push = (_o: unknown, m?: string) => void lines.push(String(m));
    const auth = createAuthenticator(
      {},
      { logger: { warn: push, error: push, info: push }, now: () => 0, basePath: BASE },
    );
    const before = lines.length;
    const req = {
      socket: { remoteAddress: '127.0.0.1' },
      headers: { host: '127.0.0.1:3000', connection: 'close' },
      httpVersionMajor: 1,
      httpVersionMinor: 0,
    } as unknown as IncomingMessage;
    for (let i = 0; i < 2; i++) {
      expect(await auth.check(req, undefined, undefined)).toEqual({
        ok: false,
        status: 403,
        code: 'forbidden',
        message: 'not authorized to read the admin API',
      });
    }
    const logged = lines.slice(before);
    expect(logged).toHaveLength(1);
    expect(logged[0]).toContain('HTTP/1.0');
    expect(logged[0]).toContain('set adminToken');
  });

  it('the refused header set includes the review’s CDN headers and keeps the earlier ones', () => {
    for (const name of [
      'x-forwarded-for',
      'forwarded',
      'x-real-ip',
      'via',
      'x-client-ip',
      'cf-connecting-ip',
      'true-client-ip',
    ])
      expect(PROXY_HEADERS).toContain(name);
  });
});
