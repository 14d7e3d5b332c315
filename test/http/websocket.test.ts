import { createServer, type Server } from 'node:http';
import type { Socket } from 'node:net';
import { afterEach, describe, expect, it, vi } from 'vitest';
import WebSocket, { WebSocketServer } from 'ws';
import { SysvitalsError } from '../../src/errors.js';
import { createAdminApi } from '../../src/http/api.js';
import { attachWebSocket } from '../../src/http/websocket.js';
import type { WebSocketAttachment, WebSocketOptions } from '../../src/monitor/websocket-port.js';
import { alertEvent, BASE, body, FakeMonitor, listen, open, type Served, seqOf } from './stream-helpers.js';

const WS_PATH = `${BASE}/ws`;
let cleanup: (() => unknown)[] = [];
afterEach(async () => {
  for (const fn of cleanup.reverse()) await fn();
  cleanup = [];
});

interface Message {
  event: string;
  data: unknown;
}

/** A client that queues messages; `next()` waits for the next one. */
class Client {
  readonly messages: Message[] = [];
  private read = 0;
  private wake: (() => void) | undefined;
  readonly closed: Promise<{ code: number; reason: string }>;

  constructor(readonly ws: WebSocket) {
    ws.on('message', (raw) => {
      this.messages.push(JSON.parse(String(raw)));
      this.wake?.();
    });
    this.closed = new Promise((resolve) => {
      ws.on('close', (code, reason) => {
        this.wake?.();
        resolve({ code, reason: String(reason) });
      });
    });
    ws.on('error', () => {});
  }

  /** The next message (skipping `health` unless asked for). */
  async next(withHealth = false): Promise<Message> {
    for (;;) {
      while (this.read >= this.messages.length) {
        if (this.ws.readyState >= WebSocket.CLOSING) throw new Error('closed');
        await new Promise<void>((resolve) => {
          this.wake = resolve;
        });
        this.wake = undefined;
      }
      const message = this.messages[this.read++] as Message;
      if (message.event !== 'health' || withHealth) return message;
    }
  }
}

/** Opens a WebSocket; resolves with a Client when open, or with the HTTP status and body when refused. */
function connect(
  url: string,
  options: WebSocket.ClientOptions = {},
): Promise<{ client: Client } | { status: number; headers: Record<string, unknown>; body: string }> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { handshakeTimeout: 5000, ...options });
    const client = new Client(ws);
    cleanup.push(() => ws.terminate());
    ws.once('open', () => resolve({ client }));
    ws.once('unexpected-response', (_req, res) => {
      void body(res).then((text) =>
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text }),
      );
    });
    ws.once('error', reject);
  });
}

async function connectOk(url: string, options?: WebSocket.ClientOptions): Promise<Client> {
  const r = await connect(url, options);
  if (!('client' in r)) throw new Error(`refused with ${r.status}: ${r.body}`);
  return r.client;
}

async function start(
  source: FakeMonitor,
  options: WebSocketOptions = {},
  setup?: (server: Server) => void,
  shareApi = false,
): Promise<{ served: Served; ws: string; attachment: WebSocketAttachment }> {
  const api = createAdminApi(source, {
    rateLimit: false,
    adminToken: options.adminToken,
    accessTokenTtlMs: 60_000,
  });
  // Access tokens are signed per admin API: the WebSocket accepts those of the API it is given.
  if (shareApi) options = { ...options, adminApi: api as never };
  const server = createServer((req, res) => {
    void api.handle(req, res).then((handled) => {
      if (!handled) res.end('app');
    });
  });
  setup?.(server);
  const attachment = attachWebSocket(source, server, options);
  const served = await listen(server);
  cleanup.push(() => served.close());
  cleanup.push(() => attachment.close());
  return { served, ws: served.url.replace('http', 'ws'), attachment };
}

function echoServer(options: ConstructorParameters<typeof WebSocketServer>[0]): WebSocketServer {
  const wss = new WebSocketServer(options);
  wss.on('connection', (ws) => ws.on('message', (m) => ws.send(`echo:${String(m)}`)));
  cleanup.push(() => new Promise((resolve) => wss.close(resolve)));
  return wss;
}

function echo(url: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { handshakeTimeout: 5000 });
    cleanup.push(() => ws.terminate());
    ws.once('open', () => ws.send('hi'));
    ws.once('message', (m) => {
      resolve(String(m));
      ws.close();
    });
    ws.once('unexpected-response', (_req, res) => reject(new Error(`status ${res.statusCode}`)));
    ws.once('error', reject);
  });
}

describe('attachWebSocket: events', () => {
  it('sends the latest snapshot at once, then every event in order as { event, data }', async () => {
    const source = new FakeMonitor();
    const { ws } = await start(source);
    const client = await connectOk(`${ws}${WS_PATH}`);
    const first = await client.next();
    expect(first.event).toBe('metrics');
    expect(seqOf(first.data)).toBe(0);
    source.sample(1);
    source.emit('alert', alertEvent('raised'));
    source.sample(2);
    source.emit('alert', alertEvent('escalated'));
    const got = [await client.next(), await client.next(), await client.next(), await client.next()];
    expect(got.map((m) => m.event)).toEqual(['metrics', 'alert', 'metrics', 'alert']);
    expect(seqOf(got[2]?.data)).toBe(2);
    expect((got[3] as Message).data).toMatchObject({ type: 'escalated' });
  });

  it('answers with or without a trailing slash, and closes every client with 1001 on close()', async () => {
    const source = new FakeMonitor();
    const { ws, attachment } = await start(source);
    const client = await connectOk(`${ws}${WS_PATH}/`);
    await client.next();
    expect(attachment.clients).toBe(1);
    await attachment.close();
    expect((await client.closed).code).toBe(1001);
    expect(source.listenerCount('metrics')).toBe(0);
  });

  it('detaches when the monitor emits close', async () => {
    const source = new FakeMonitor();
    const { ws, attachment } = await start(source);
    const client = await connectOk(`${ws}${WS_PATH}`);
    await client.next();
    source.emit('close');
    expect((await client.closed).code).toBe(1001);
    expect(attachment.clients).toBe(0);
    // Upgrades on the path are no longer taken (the test server has no other upgrade listener).
    expect(await connect(`${ws}${WS_PATH}`)).toMatchObject({ status: 404 });
  });
});

describe('attachWebSocket: auth', () => {
  it('401 without credentials, 403 with wrong ones, open with the bearer header', async () => {
    const source = new FakeMonitor();
    const { ws } = await start(source, { adminToken: 'secret' });
    const none = await connect(`${ws}${WS_PATH}`);
    expect(none).toMatchObject({ status: 401, headers: { 'www-authenticate': 'Bearer realm="sysvitals"' } });
    expect(JSON.parse((none as { body: string }).body)).toMatchObject({
      success: false,
      error: { code: 'unauthorized' },
    });
    expect(await connect(`${ws}${WS_PATH}`, { headers: { authorization: 'Bearer wrong' } })).toMatchObject({
      status: 403,
    });
    const client = await connectOk(`${ws}${WS_PATH}`, { headers: { authorization: 'Bearer secret' } });
    expect((await client.next()).event).toBe('metrics');
  });

  it('accepts ?access_token= from GET token/ and refuses it once expired (injected clock)', async () => {
    const source = new FakeMonitor();
    const { ws, served } = await start(source, { adminToken: 'secret' }, undefined, true);
    const res = await open(`${served.url}${BASE}/token/`, { authorization: 'Bearer secret' });
    const { data } = JSON.parse(await body(res));
    const url = `${ws}${WS_PATH}?access_token=${encodeURIComponent(data.token)}`;
    const client = await connectOk(url);
    expect((await client.next()).event).toBe('metrics');
    source.clock.t += 60_001;
    const expired = await connect(url);
    expect(expired).toMatchObject({ status: 401 });
    expect(JSON.parse((expired as { body: string }).body).error.code).toBe('token_expired');
  });

  it("uses a mounted admin API's authenticate and basePath when given adminApi", async () => {
    const source = new FakeMonitor();
    const adminApi = createAdminApi(source, { adminToken: 'api-secret', basePath: '/ops', rateLimit: false });
    const server = createServer();
    const attachment = attachWebSocket(source, server, { adminApi });
    cleanup.push(() => attachment.close());
    const served = await listen(server);
    cleanup.push(() => served.close());
    const ws = served.url.replace('http', 'ws');
    expect(attachment.path).toBe('/ops/ws');
    expect(await connect(`${ws}/ops/ws`)).toMatchObject({
      status: 401,
      headers: { 'www-authenticate': 'Bearer realm="sysvitals"' },
    });
    const client = await connectOk(`${ws}/ops/ws`, { headers: { authorization: 'Bearer api-secret' } });
    expect((await client.next()).event).toBe('metrics');
  });

  it('a custom authenticate may refuse with its own status', async () => {
    const source = new FakeMonitor();
    const { ws } = await start(source, { authenticate: () => ({ ok: false, status: 403, message: 'no' }) });
    expect(await connect(`${ws}${WS_PATH}`)).toMatchObject({ status: 403 });
  });
});

describe("attachWebSocket leaves the application's own upgrades alone", () => {
  it('an app ws server created with { server, path } before attaching keeps working, and so does ours', async () => {
    const source = new FakeMonitor();
    const { ws } = await start(source, {}, (server) => echoServer({ server, path: '/app' }));
    expect(await echo(`${ws}/app`)).toBe('echo:hi');
    const client = await connectOk(`${ws}${WS_PATH}`);
    expect((await client.next()).event).toBe('metrics');
  });

  it('an app ws server created with { server, path } after attaching keeps working, and so does ours', async () => {
    const source = new FakeMonitor();
    const { ws, served } = await start(source);
    echoServer({ server: served.server, path: '/late' });
    expect(await echo(`${ws}/late`)).toBe('echo:hi');
    const client = await connectOk(`${ws}${WS_PATH}`);
    expect((await client.next()).event).toBe('metrics');
  });

  it('an app routing upgrades itself (noServer) gets every other path, ours included after close()', async () => {
    const source = new FakeMonitor();
    const app = echoServer({ noServer: true });
    const seen: string[] = [];
    const { ws, attachment } = await start(source, {}, (server) =>
      server.on('upgrade', (req, socket, head) => {
        seen.push(req.url ?? '');
        app.handleUpgrade(req, socket, head, (c) => app.emit('connection', c, req));
      }),
    );
    expect(await echo(`${ws}/chat`)).toBe('echo:hi');
    await connectOk(`${ws}${WS_PATH}`);
    expect(seen).toEqual(['/chat']);
    await attachment.close();
    expect(await echo(`${ws}${WS_PATH}`)).toBe('echo:hi');
    expect(seen).toEqual(['/chat', WS_PATH]);
  });

  it('hands another path to the app when no one else listens for upgrades, as node does without a listener', async () => {
    const source = new FakeMonitor();
    const { ws } = await start(source);
    // The app answers 200 'app' (a WebSocket client sees a refused handshake), never hangs, never our 404.
    expect(await connect(`${ws}/elsewhere`)).toMatchObject({ status: 200, body: 'app' });
  });

  it('answers 404 to another path when the server has no request handler either (instead of hanging)', async () => {
    const source = new FakeMonitor();
    const server = createServer();
    server.removeAllListeners('request');
    const attachment = attachWebSocket(source, server, {});
    const served = await listen(server);
    cleanup.push(() => served.close());
    cleanup.push(() => attachment.close());
    expect(await connect(`${served.url.replace('http', 'ws')}/elsewhere`)).toMatchObject({ status: 404 });
  });
});

describe('attachWebSocket: slow and dead clients', () => {
  it('drops a client that stops reading, while another gets every event in order', async () => {
    const source = new FakeMonitor();
    const { ws, attachment } = await start(source, { maxBufferedBytes: 256 * 1024, heartbeatMs: 60_000 });
    const stalled = await connectOk(`${ws}${WS_PATH}`);
    await stalled.next();
    (stalled.ws as unknown as { _socket: Socket })._socket.pause();
    const reader = await connectOk(`${ws}${WS_PATH}`);
    await reader.next();
    expect(attachment.clients).toBe(2);
    let seq = 0;
    while (attachment.clients === 2 && seq < 2000) {
      seq += 1;
      source.sample(seq, 64 * 1024);
      expect(seqOf((await reader.next()).data)).toBe(seq);
    }
    expect(attachment.clients).toBe(1);
    source.sample(seq + 1);
    expect(seqOf((await reader.next()).data)).toBe(seq + 1);
  });

  it('terminates a client that does not answer pings', async () => {
    const source = new FakeMonitor();
    const { ws, attachment } = await start(source, { heartbeatMs: 25 });
    const mute = await connectOk(`${ws}${WS_PATH}`, { autoPong: false });
    const live = await connectOk(`${ws}${WS_PATH}`);
    await mute.next();
    await live.next();
    expect((await mute.closed).code).toBe(1006); // terminated, no close frame
    expect(attachment.clients).toBe(1);
    expect(live.ws.readyState).toBe(WebSocket.OPEN);
  });
});

describe('attachWebSocket options', () => {
  it('refuses unknown and invalid options at setup', () => {
    const source = new FakeMonitor();
    const server = createServer();
    expect(() => attachWebSocket(source, server, { pth: '/x' } as WebSocketOptions)).toThrow(
      /unknown option `pth`. Did you mean `path`/,
    );
    expect(() => attachWebSocket(source, server, { path: 'ws' })).toThrow(SysvitalsError);
    expect(() => attachWebSocket(source, server, { maxClients: 0 })).toThrow(/maxClients/);
    expect(server.listenerCount('upgrade')).toBe(0);
  });

  it('serves under a custom basePath', async () => {
    const source = new FakeMonitor();
    const { ws, attachment } = await start(source, { basePath: '/ops/' });
    expect(attachment.path).toBe('/ops/ws');
    await connectOk(`${ws}/ops/ws`);
    await vi.waitFor(() => expect(attachment.clients).toBe(1));
  });
});
