import { EventEmitter } from 'node:events';
import { createServer } from 'node:http';
import { afterEach, describe, expect, it, vi } from 'vitest';
import WebSocket, { WebSocketServer } from 'ws';
import { trackWebSockets } from '../../src/collector/websockets.js';
import { createMonitor, type SystemMonitor } from '../../src/monitor.js';
import { listen, silent } from '../http/stream-helpers.js';

let cleanup: (() => unknown)[] = [];
afterEach(async () => {
  for (const fn of cleanup.reverse()) await fn();
  cleanup = [];
});

function monitor(): SystemMonitor {
  const m = createMonitor({ sampleIntervalMs: 0, logger: silent });
  cleanup.push(() => m.close());
  return m;
}

async function activeConnections(m: SystemMonitor): Promise<number> {
  return (await m.getMetrics({ maxAgeMs: -1 })).websocket.active_connections; // -1: always a fresh collection
}

function openClient(url: string): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url);
    cleanup.push(() => ws.terminate());
    ws.once('open', () => resolve(ws));
    ws.once('error', reject);
  });
}

describe('trackWebSockets', () => {
  it("counts a ws server's connections in websocket.active_connections as they open and close", async () => {
    const m = monitor();
    const server = createServer();
    const wss = new WebSocketServer({ server });
    cleanup.push(() => new Promise((resolve) => wss.close(resolve)));
    const served = await listen(server);
    cleanup.push(() => served.close());
    const untrack = m.trackWebSockets(wss);
    const url = served.url.replace('http', 'ws');

    expect(await activeConnections(m)).toBe(0);
    const a = await openClient(url);
    await openClient(url);
    await vi.waitFor(async () => expect(await activeConnections(m)).toBe(2));
    a.close();
    await vi.waitFor(async () => expect(await activeConnections(m)).toBe(1));
    untrack();
    expect(await activeConnections(m)).toBe(0);
  });

  it('counts the connections a ws server already holds when tracking starts', async () => {
    const m = monitor();
    const server = createServer();
    const wss = new WebSocketServer({ server });
    cleanup.push(() => new Promise((resolve) => wss.close(resolve)));
    const served = await listen(server);
    cleanup.push(() => served.close());
    const connected = new Promise((resolve) => wss.once('connection', resolve));
    const client = await openClient(served.url.replace('http', 'ws'));
    await connected;
    m.trackWebSockets(wss);
    expect(await activeConnections(m)).toBe(1);
    client.close();
    await vi.waitFor(async () => expect(await activeConnections(m)).toBe(0));
  });

  it('works with any emitter: socket.io style `disconnect`, counted once even when close follows', () => {
    const counter = { open: 0, websocketOpened: () => counter.open++, websocketClosed: () => counter.open-- };
    const io = new EventEmitter();
    trackWebSockets(counter, io);
    const socket = new EventEmitter();
    io.emit('connection', socket);
    io.emit('connection', new EventEmitter());
    expect(counter.open).toBe(2);
    socket.emit('disconnect', 'transport close');
    socket.emit('close');
    expect(counter.open).toBe(1);
  });

  it('tracking the same server twice counts its connections once; counting stops after both untrack() (RT31-5)', async () => {
    const m = monitor();
    const server = createServer();
    const wss = new WebSocketServer({ server });
    cleanup.push(() => new Promise((resolve) => wss.close(resolve)));
    const served = await listen(server);
    cleanup.push(() => served.close());
    const url = served.url.replace('http', 'ws');
    const untrack = m.trackWebSockets(wss);
    const clients = [await openClient(url), await openClient(url), await openClient(url)];
    await vi.waitFor(() => expect(wss.clients.size).toBe(3));
    // Oracle: the sockets the server holds open (wss.clients).
    expect(await activeConnections(m)).toBe(3);
    const untrack2 = m.trackWebSockets(wss); // a hot reload, a second module registering the same server
    expect(await activeConnections(m)).toBe(wss.clients.size);
    await openClient(url);
    await vi.waitFor(() => expect(wss.clients.size).toBe(4));
    await vi.waitFor(async () => expect(await activeConnections(m)).toBe(4));
    clients[0]?.close();
    await vi.waitFor(() => expect(wss.clients.size).toBe(3));
    await vi.waitFor(async () => expect(await activeConnections(m)).toBe(3));
    untrack2();
    untrack2(); // safe twice
    expect(await activeConnections(m)).toBe(3); // the first registration still counts
    untrack();
    expect(await activeConnections(m)).toBe(0);
    m.trackWebSockets(wss); // tracked again from scratch
    expect(await activeConnections(m)).toBe(wss.clients.size);
  });

  it('refuses something that is not an emitter', () => {
    const counter = { websocketOpened() {}, websocketClosed() {} };
    expect(() => trackWebSockets(counter, {} as EventEmitter)).toThrow(/WebSocketServer/);
  });
});
