// Outside review 16, F7: a monitor learns the application's server from its first request (or monitor.serves()) and
// adds a 'close' listener to it (and a 'session' listener to an HTTP/2 server); close() left them, so each closed
// monitor stayed attached to the server with everything it held (~55 KB each; a MaxListenersExceededWarning at the
// eleventh), as a test suite, a hot reload or per-tenant monitors create and close them. Real servers on port 0; the
// oracle is the server's own listener counts before any monitor, and the garbage collector: a closed monitor nothing
// else holds is collected.

import { request } from 'node:http';
import http2 from 'node:http2';
import type { AddressInfo } from 'node:net';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import express from 'express';
import { afterEach, describe, expect, it } from 'vitest';
import { createMonitor } from '../../src/adapters/express.js';
import { silentLogger } from '../../src/logger.js';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

const MONITORS = 15; // above Node's default of 10 listeners per event

function get(port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    request({ host: '127.0.0.1', port, path: '/x', agent: false }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    })
      .on('error', reject)
      .end();
  });
}

/** The names of the process warnings emitted until the test ends. */
function processWarnings(): string[] {
  const warnings: string[] = [];
  const onWarning = (w: Error) => warnings.push(w.name);
  process.on('warning', onWarning);
  cleanups.push(() => void process.off('warning', onWarning));
  return warnings;
}

/** `app` with a GET /x answering ok, listening on an ephemeral port, closed after the test. */
async function listen(app: express.Express): Promise<{ server: import('node:http').Server; port: number }> {
  app.get('/x', (_req, res) => void res.end('ok'));
  const server = await new Promise<import('node:http').Server>((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  cleanups.push(() => new Promise<void>((resolve) => server.close(() => resolve())));
  return { server, port: (server.address() as AddressInfo).port };
}

describe('a closed monitor leaves nothing on the server', () => {
  it('express: 15 monitors, each learning the server from a request, then closed', async () => {
    const warnings = processWarnings();
    let middleware: express.RequestHandler = (_req, _res, next) => next();
    const app = express();
    app.use((req, res, next) => middleware(req, res, next));
    const { server, port } = await listen(app);
    const before = server.listenerCount('close');
    const refs: WeakRef<object>[] = [];
    for (let i = 0; i < MONITORS; i++) {
      const monitor = createMonitor({ sampleIntervalMs: 0, logger: silentLogger });
      refs.push(new WeakRef(monitor));
      middleware = monitor.middleware();
      expect(await get(port)).toBe(200);
      // While open, the monitor watches the server it learnt (it drains it on shutdown).
      expect(server.listenerCount('close')).toBe(before + 1);
      await monitor.close();
      expect(server.listenerCount('close')).toBe(before);
    }
    middleware = (_req, _res, next) => next();
    expect(await get(port)).toBe(200);
    expect(warnings).not.toContain('MaxListenersExceededWarning');
    // Nothing the server holds keeps the closed monitors alive: before the fix all 15 were (each listener held its
    // monitor). The last one may still be reachable from objects of its last request (Node pools its HTTP parsers).
    const alive = () => refs.flatMap((r, i) => (r.deref() === undefined ? [] : [i]));
    for (let i = 0; i < 5 && alive().length > 1; i++) {
      await new Promise((resolve) => setImmediate(resolve));
      gc();
    }
    expect(alive().filter((i) => i < MONITORS - 1)).toEqual([]);
  });

  it('express: 15 monitors mounted together and closed: a later request through their middleware attaches nothing', async () => {
    // Outside review 17, F1: the closed monitors' middleware stays mounted (a hot reload that swaps the monitor, a test
    // suite); the next request re-attached each of them to the server.
    const warnings = processWarnings();
    const app = express();
    const monitors = Array.from({ length: MONITORS }, () =>
      createMonitor({ sampleIntervalMs: 0, logger: silentLogger }),
    );
    for (const m of monitors) app.use(m.middleware());
    const { server, port } = await listen(app);
    const before = server.listenerCount('close');
    for (const m of monitors) await m.close();
    expect(await get(port)).toBe(200);
    expect(await get(port)).toBe(200);
    expect(server.listenerCount('close')).toBe(before);
    // serves() after close() attaches nothing either.
    monitors[0]?.serves(server);
    expect(server.listenerCount('close')).toBe(before);
    expect(warnings.filter((w) => w === 'MaxListenersExceededWarning')).toEqual([]);
  });

  it('node:http2: monitor.serves(server), then closed: no close or session listener left', async () => {
    const server = http2.createServer((_req, res) => res.end('ok'));
    const before = { close: server.listenerCount('close'), session: server.listenerCount('session') };
    for (let i = 0; i < MONITORS; i++) {
      const monitor = createMonitor({ sampleIntervalMs: 0, logger: silentLogger });
      monitor.serves(server);
      expect(server.listenerCount('session')).toBe(before.session + 1);
      await monitor.close();
    }
    expect({ close: server.listenerCount('close'), session: server.listenerCount('session') }).toEqual(
      before,
    );
  });
});
