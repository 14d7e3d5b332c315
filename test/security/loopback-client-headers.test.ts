// Outside review 29, RT29-1: loopback-only mode (no adminToken) with `trustProxy: 1`, the README's setting for one
// nginx. A same-host nginx that sets `X-Real-IP $remote_addr` (or Forwarded, CF-Connecting-IP, ...) but does not
// append X-Forwarded-For passes the client's own `X-Forwarded-For: 127.0.0.1` through: the outside client read
// the whole API, while the same request without the forged header was refused. Now a proxy-written client header
// that names anything but a loopback address refuses the request whatever X-Forwarded-For says, and with
// trustProxy N an X-Forwarded-For of fewer than N entries (a trusted proxy did not append) is refused too.
// Real servers on each adapter, raw HTTP/1.0 and 1.1 requests as nginx sends them upstream.

import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { type Standalone, startStandalone } from '../../src/cli/serve.js';
import type { AdminApiOptions } from '../../src/http/admin-api-options.js';
import { CLIENT_HEADERS, PROXY_HEADERS } from '../../src/http/proxy-signals.js';
import { attachWebSocket } from '../../src/http/websocket.js';
import { silentLogger } from '../../src/logger.js';
import { harnesses } from '../adapters/harness.js';
import { upgrade } from './doors.js';
import { BASE, startTarget, type Target } from './fixture.js';
import { rawExchange, rawRequest } from './raw-client.js';

beforeAll(() => {
  vi.spyOn(console, 'error').mockImplementation(() => {});
});
afterAll(() => {
  vi.restoreAllMocks();
});

const targets: Target[] = [];
let standalone: Standalone | undefined;
afterEach(async () => {
  for (const t of targets.splice(0)) await t.close();
  await standalone?.close();
  standalone = undefined;
});

const statusOf = (answer: string) => Number(/^HTTP\/1\.[01] (\d{3})/.exec(answer)?.[1]);

/**
 * What a same-host nginx sends upstream for an outside client: its defaults (HTTP/1.0 unless
 * `proxy_http_version 1.1`, `Host $proxy_host`, `Connection: close`), the headers its config sets, and the
 * client's own headers passed through (a client's X-Forwarded-For among them when nginx does not append).
 */
function upstream(port: string, path: string, version: '1.0' | '1.1', headers: string[]): string {
  return (
    `GET ${path} HTTP/${version}\r\nHost: 127.0.0.1:${port}\r\nConnection: close\r\n` +
    `User-Agent: curl/8.5.0\r\nAccept: */*\r\n${headers.map((h) => `${h}\r\n`).join('')}\r\n`
  );
}

const READS = ['/metrics/', '/health/?detailed=true', '/routes/', '/alerts/', '/token/'];

/** The proxy's header naming an outside client, beside the client's forged X-Forwarded-For. */
const FORGED: [string, string[]][] = [
  ['X-Real-IP (nginx)', ['X-Real-IP: 203.0.113.7', 'X-Forwarded-For: 127.0.0.1']],
  ['Forwarded for= (RFC 7239)', ['Forwarded: for=203.0.113.7;proto=https', 'X-Forwarded-For: ::1']],
  ['Forwarded, quoted IPv6', ['Forwarded: for="[2001:db8::7]:4711"', 'X-Forwarded-For: 127.0.0.1']],
  ['CF-Connecting-IP', ['CF-Connecting-IP: 203.0.113.7', 'X-Forwarded-For: 127.0.0.1']],
  ['True-Client-IP', ['True-Client-IP: 203.0.113.7', 'X-Forwarded-For: 127.0.0.1']],
  ['Fastly-Client-IP', ['Fastly-Client-IP: 203.0.113.7', 'X-Forwarded-For: 127.0.0.1']],
  ['X-Client-IP', ['X-Client-IP: 203.0.113.7', 'X-Forwarded-For: 127.0.0.1']],
  ['X-Cluster-Client-IP', ['X-Cluster-Client-IP: 203.0.113.7', 'X-Forwarded-For: 127.0.0.1']],
  ['Fly-Client-IP', ['Fly-Client-IP: 203.0.113.7', 'X-Forwarded-For: 127.0.0.1']],
  ['X-Envoy-External-Address', ['X-Envoy-External-Address: 203.0.113.7', 'X-Forwarded-For: 127.0.0.1']],
  [
    'X-Original-Forwarded-For',
    ['X-Original-Forwarded-For: 127.0.0.1, 203.0.113.7', 'X-Forwarded-For: 127.0.0.1'],
  ],
  ['IPv4-mapped outside client', ['X-Real-IP: ::ffff:203.0.113.7', 'X-Forwarded-For: 127.0.0.1']],
  // AWS CloudFront's `<ip>:<port>`, IPv6 unbracketed (AWS's "Add CloudFront request headers").
  [
    'CloudFront-Viewer-Address',
    ['CloudFront-Viewer-Address: 203.0.113.7:46532', 'X-Forwarded-For: 127.0.0.1'],
  ],
  [
    'CloudFront-Viewer-Address, IPv6',
    ['CloudFront-Viewer-Address: 2001:db8::8a2e:370:7334:46532', 'X-Forwarded-For: 127.0.0.1'],
  ],
  [
    'Forwarded with empty elements, one remote',
    ['Forwarded: ,,for=127.0.0.1,, for=203.0.113.7', 'X-Forwarded-For: 127.0.0.1'],
  ],
];

/** Values that name no address: the proxy did not say the client is local. */
const UNPARSABLE: [string, string[]][] = [
  ['X-Real-IP: unknown', ['X-Real-IP: unknown', 'X-Forwarded-For: 127.0.0.1']],
  ['X-Real-IP: 0177.0.0.1', ['X-Real-IP: 0177.0.0.1', 'X-Forwarded-For: 127.0.0.1']],
  ['empty X-Real-IP', ['X-Real-IP:', 'X-Forwarded-For: 127.0.0.1']],
  ['Forwarded: for=unknown', ['Forwarded: for=unknown', 'X-Forwarded-For: 127.0.0.1']],
  ['Forwarded: for=_hidden', ['Forwarded: for=_hidden', 'X-Forwarded-For: 127.0.0.1']],
  ['Forwarded without for=', ['Forwarded: proto=https;host=example.com', 'X-Forwarded-For: 127.0.0.1']],
  [
    'Forwarded, two for= in one element',
    ['Forwarded: for=127.0.0.1;for=203.0.113.7', 'X-Forwarded-For: ::1'],
  ],
  ['Forwarded, second element remote', ['Forwarded: for=127.0.0.1, for=203.0.113.7', 'X-Forwarded-For: ::1']],
  ['Forwarded, empty elements only', ['Forwarded: , ,', 'X-Forwarded-For: 127.0.0.1']],
  [
    'Forwarded, an empty element beside one without for=',
    ['Forwarded: ,proto=https', 'X-Forwarded-For: ::1'],
  ],
  // RFC 7239's element is `[pair] *(";" [pair])`: `;` is an element with no for= (review 32, RT32-4: was 200).
  ['Forwarded: an element that is only ;', ['Forwarded: ;, for=127.0.0.1', 'X-Forwarded-For: 127.0.0.1']],
  ['Forwarded: ; ; after the loopback one', ['Forwarded: for=127.0.0.1, ; ;', 'X-Forwarded-For: 127.0.0.1']],
  // CloudFront always writes a port: a value without one (or `::1`, read as `:` and port 1) names no viewer.
  [
    'CloudFront-Viewer-Address without a port',
    ['CloudFront-Viewer-Address: 127.0.0.1', 'X-Forwarded-For: ::1'],
  ],
  ['CloudFront-Viewer-Address: ::1', ['CloudFront-Viewer-Address: ::1', 'X-Forwarded-For: ::1']],
  ['CloudFront-Viewer-Address: unknown', ['CloudFront-Viewer-Address: unknown', 'X-Forwarded-For: ::1']],
];

describe.each(harnesses)('$name adapter, loopback mode with trustProxy', (harness) => {
  async function target(api: AdminApiOptions<never>) {
    const t = await startTarget(harness, { api, host: '127.0.0.1' });
    targets.push(t);
    return { t, port: new URL(t.url).port };
  }

  it('the review’s nginx (HTTP/1.0 and 1.1, X-Real-IP set, no append) with a forged X-Forwarded-For: 403 on every read', async () => {
    const { t, port } = await target({ trustProxy: 1 });
    for (const version of ['1.0', '1.1'] as const) {
      for (const path of READS) {
        const headers = ['X-Real-IP: 203.0.113.7', 'X-Forwarded-For: 127.0.0.1'];
        const answer = await rawExchange(t.url, upstream(port, BASE + path, version, headers));
        expect(statusOf(answer), `HTTP/${version} ${path}: ${answer.slice(0, 200)}`).toBe(403); // was 200
        expect(answer).toContain('"code":"forbidden"');
        expect(answer).not.toContain('"components"');
      }
    }
  });

  it.each(FORGED)(
    '%s naming an outside client beside X-Forwarded-For: 127.0.0.1: 403',
    async (_, headers) => {
      for (const trustProxy of [1, 2, true] as const) {
        const { t, port } = await target({ trustProxy });
        // trustProxy 2 expects two appended entries: give it two loopback ones, so only the header decides.
        const xff =
          trustProxy === 2 ? headers.map((h) => h.replace(/^(X-Forwarded-For: .*)$/, '$1, ::1')) : headers;
        const answer = await rawExchange(t.url, upstream(port, `${BASE}/metrics/`, '1.1', xff));
        expect(statusOf(answer), `trustProxy ${trustProxy}: ${answer.slice(0, 200)}`).toBe(403); // was 200
      }
    },
  );

  it.each(UNPARSABLE)('%s counts as not loopback: 403', async (_, headers) => {
    const { t, port } = await target({ trustProxy: 1 });
    const answer = await rawExchange(t.url, upstream(port, `${BASE}/metrics/`, '1.0', headers));
    expect(statusOf(answer), answer.slice(0, 200)).toBe(403); // was 200
  });

  it('a local client through the same nginx (the headers name loopback addresses, X-Forwarded-For appended): served', async () => {
    const { t, port } = await target({ trustProxy: 1 });
    for (const headers of [
      ['X-Real-IP: 127.0.0.1', 'X-Forwarded-For: 127.0.0.1'],
      ['X-Real-IP: ::1', 'X-Forwarded-For: ::1'],
      ['Forwarded: for="[::1]:4711";proto=http', 'X-Forwarded-For: ::1'],
      ['Forwarded: For=127.0.0.1, for="127.0.0.2:8080"', 'X-Forwarded-For: 127.0.0.1'],
      ['CF-Connecting-IP: 127.0.0.1', 'X-Forwarded-For: 127.0.0.1'],
      // RFC 7230 §7: a recipient ignores empty list elements (was 403).
      ['Forwarded: ,,for=127.0.0.1,,', 'X-Forwarded-For: 127.0.0.1'],
      ['Forwarded: , for="[::1]:4711" ,\t,', 'X-Forwarded-For: ::1'],
      ['Forwarded: for=127.0.0.1;, ,', 'X-Forwarded-For: 127.0.0.1'], // a trailing `;` ends the pair list
      ['CloudFront-Viewer-Address: 127.0.0.1:46532', 'X-Forwarded-For: 127.0.0.1'],
      ['CloudFront-Viewer-Address: ::1:46532', 'X-Forwarded-For: ::1'],
      ['CloudFront-Viewer-Address: [::1]:46532', 'X-Forwarded-For: ::1'],
      ['Via: 1.0 nginx', 'X-Forwarded-For: 127.0.0.1'], // names no client
    ]) {
      for (const version of ['1.0', '1.1'] as const) {
        const answer = await rawExchange(t.url, upstream(port, `${BASE}/metrics/`, version, headers));
        expect(statusOf(answer), `${headers.join(' | ')} HTTP/${version}: ${answer.slice(0, 200)}`).toBe(200);
      }
    }
  });

  it('trustProxy 2 with one X-Forwarded-For entry (a trusted proxy did not append): 403; two loopback entries: 200', async () => {
    const { t, port } = await target({ trustProxy: 2 });
    const short = await rawExchange(
      t.url,
      upstream(port, `${BASE}/metrics/`, '1.0', ['X-Forwarded-For: 127.0.0.1']),
    );
    expect(statusOf(short), short.slice(0, 200)).toBe(403); // was 200
    const full = await rawExchange(
      t.url,
      upstream(port, `${BASE}/metrics/`, '1.0', ['X-Forwarded-For: 127.0.0.1, 127.0.0.1']),
    );
    expect(statusOf(full), full.slice(0, 200)).toBe(200);
  });

  it('the WebSocket upgrade through the same nginx: 403 with the forged X-Forwarded-For, 101 for a local client', async () => {
    const { t } = await target({ trustProxy: 1 });
    const attachment = attachWebSocket(t.monitor, t.running.server, { adminApi: t.adminApi });
    try {
      const ws = `ws://127.0.0.1:${new URL(t.url).port}${attachment.path}`;
      const forged = { 'X-Real-IP': '203.0.113.7', 'X-Forwarded-For': '127.0.0.1' };
      expect(await upgrade(ws, { headers: forged })).toEqual({ status: 403, code: 'forbidden' }); // was 101
      const local = { 'X-Real-IP': '127.0.0.1', 'X-Forwarded-For': '127.0.0.1' };
      expect((await upgrade(ws, { headers: local })).status).toBe(101);
    } finally {
      await attachment.close();
    }
  });

  it('with adminToken the client headers decide nothing: the bearer is served', async () => {
    const token = 'client-headers-test-token-0123456789';
    const { t, port } = await target({ trustProxy: 1, adminToken: token });
    const answer = await rawExchange(
      t.url,
      upstream(port, `${BASE}/metrics/`, '1.0', [
        'X-Real-IP: 203.0.113.7',
        'X-Forwarded-For: 203.0.113.7',
        `Authorization: Bearer ${token}`,
      ]),
    );
    expect(statusOf(answer), answer.slice(0, 200)).toBe(200);
  });
});

describe('sysvitals serve (loopback mode without --token, no trustProxy)', () => {
  it('refuses the review’s nginx request, forged X-Forwarded-For or not', async () => {
    standalone = await startStandalone({ port: 0, intervalMs: 60_000, logger: silentLogger });
    const port = new URL(standalone.url).port;
    for (const headers of [
      ['X-Real-IP: 203.0.113.7', 'X-Forwarded-For: 127.0.0.1'],
      ['X-Real-IP: 203.0.113.7'],
      ['Fly-Client-IP: 203.0.113.7'],
    ]) {
      for (const path of [`${BASE}/metrics/`, '/metrics']) {
        const answer = await rawExchange(standalone.url, upstream(port, path, '1.1', headers));
        expect(statusOf(answer), `${path} ${headers.join(' | ')}`).toBe(403);
      }
    }
    // The same request from curl on the host: served. (Not rawExchange: its half-close would end the exchange
    // while the first metrics/ read is still collecting.)
    expect((await rawRequest(standalone.url, { method: 'GET', path: `${BASE}/metrics/` })).status).toBe(200);
  });
});

describe('the header lists', () => {
  it('every client-naming header is also a proxy header (refused outright without trustProxy)', () => {
    for (const name of CLIENT_HEADERS) expect(PROXY_HEADERS).toContain(name);
    for (const name of [
      'x-real-ip',
      'forwarded',
      'cf-connecting-ip',
      'true-client-ip',
      'fly-client-ip',
      'cloudfront-viewer-address',
    ])
      expect(CLIENT_HEADERS).toContain(name);
    // X-Forwarded-For is read by trustProxy and judged entry by entry; Via and X-Forwarded-Proto name no client.
    for (const name of ['x-forwarded-for', 'via', 'x-forwarded-proto'])
      expect(CLIENT_HEADERS).not.toContain(name);
  });
});
