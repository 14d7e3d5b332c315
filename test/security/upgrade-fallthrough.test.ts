// attachWebSocket must leave every other path to the application (red-team F2): with sysvitals the only
// 'upgrade' listener, a request carrying `Upgrade:` (h2c from `curl --http2`, or anything else) on the app's
// routes gets the app's answer, as without attachWebSocket; beside the app's own `ws` server nothing changes.

import { describe, expect, it } from 'vitest';
import { WebSocketServer } from 'ws';
import { attachWebSocket } from '../../src/http/websocket.js';
import { harnesses } from '../adapters/harness.js';
import { upgrade } from './doors.js';
import { BASE, useTargets } from './fixture.js';
import { untilClosed as raw } from './raw-client.js';

const targets = useTargets();

/** What `curl --http2` sends on an http:// URL; `close` only for the baseline, whose connection would stay open. */
const h2c = (path: string, close = false) =>
  `GET ${path} HTTP/1.1\r\nHost: localhost\r\nConnection: Upgrade, HTTP2-Settings${close ? ', close' : ''}\r\n` +
  'Upgrade: h2c\r\nHTTP2-Settings: AAMAAABkAARAAAAAAAIAAAAA\r\n\r\n';

const statusOf = (answer: string) => Number(/^HTTP\/1\.1 (\d{3})/.exec(answer)?.[1]);
const bodyOf = (answer: string) => answer.slice(answer.indexOf('\r\n\r\n') + 4);

describe.each(harnesses)('$name adapter', (harness) => {
  const start = () => targets.start(harness);

  it('sysvitals the only upgrade listener: the app answers Upgrade requests on its own routes', async () => {
    const target = await start();
    const bare = await raw(target.url, h2c('/users/7', true));
    const attached = attachWebSocket(target.monitor, target.running.server, {
      logger: target.logger,
      adminApi: target.adminApi,
    } as never);
    targets.defer(() => attached.close());

    const answer = await raw(target.url, h2c('/users/7'));
    expect(statusOf(answer), answer).toBe(200);
    expect(JSON.parse(bodyOf(answer).replace(/^[0-9a-f]+\r\n|\r\n0\r\n\r\n$/g, ''))).toEqual({ id: '7' });
    // The oracle: the same request before attachWebSocket, which Node handed to the app.
    expect(statusOf(answer)).toBe(statusOf(bare));
    expect(bodyOf(answer)).toBe(bodyOf(bare));
    expect(answer.toLowerCase()).toContain('connection: close');

    const home = await raw(target.url, h2c('/'));
    expect(statusOf(home), home).toBe(200);
    expect(home).toContain('home');
    // Any upgrade token, any route: the app's own 404 and 418 too, never sysvitals' "no WebSocket endpoint".
    const teapot = await raw(
      target.url,
      'GET /teapot HTTP/1.1\r\nHost: localhost\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n',
    );
    expect(statusOf(teapot), teapot).toBe(418);
    const missing = await raw(
      target.url,
      'GET /nowhere HTTP/1.1\r\nHost: localhost\r\nConnection: Upgrade\r\nUpgrade: foo\r\n\r\n',
    );
    expect(missing).not.toContain('no WebSocket endpoint here');
    expect(statusOf(missing)).toBe(404);
    // The admin API under the base is reached through the app too (loopback mode here).
    const metrics = await raw(target.url, h2c(`${BASE}/metrics/`));
    expect(statusOf(metrics), metrics.slice(0, 300)).toBe(200);
    expect(metrics).toContain('"success":true');
    // Our own path still upgrades.
    const ws = await upgrade(`${target.url.replace('http', 'ws')}${BASE}/ws`);
    expect(ws.status).toBe(101);
  });

  it("beside the app's own ws server: its path, its refusals and ours are unchanged", async () => {
    const target = await start();
    const chat = new WebSocketServer({ server: target.running.server, path: '/chat' });
    targets.defer(() => new Promise<void>((resolve) => chat.close(() => resolve())));
    chat.on('connection', (socket) => socket.send('hello from chat'));
    const attached = attachWebSocket(target.monitor, target.running.server, {
      logger: target.logger,
      adminApi: target.adminApi,
    } as never);
    targets.defer(() => attached.close());
    const wsUrl = target.url.replace('http', 'ws');
    expect(await upgrade(`${wsUrl}/chat`)).toEqual({ status: 101, first: 'hello from chat' });
    expect((await upgrade(`${wsUrl}${BASE}/ws`)).status).toBe(101);
    // `ws` answers every other upgrade path itself (400), as it does without sysvitals.
    const other = await raw(target.url, h2c('/'));
    expect(statusOf(other), other).toBe(400);
    expect(other).not.toContain('no WebSocket endpoint here');
  });
});
