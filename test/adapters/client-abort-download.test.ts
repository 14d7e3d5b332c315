// Regression (outside review 2, G4): on Express, `res.sendFile(path, (err) => err && next(err))`, the form Express's
// documentation shows, hands `ECONNABORTED` to next() when the client closes mid-download; the late-error handler
// (express-errors.ts) marked those responses failed, so early closes read as 500s (33 of 120 in the review: error
// rate 35 %, a critical error_rate alert). The oracle is what the clients did: every download was closed by its
// client after the first bytes arrived, so each is an early close, and the only requests are the /ok ones.

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { closedAfterEach, expressApp } from './framework-apps.js';
import { eventually } from './workload-apps.js';

const N = 12;
const dir = mkdtempSync(join(tmpdir(), 'sysvitals-download-'));
const FILE = join(dir, 'big.bin');
writeFileSync(FILE, Buffer.alloc(8 * 1024 * 1024, 7));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const running = closedAfterEach();

/** GET `path`, and close the connection once the first body bytes arrive (a client giving up a download). */
function closeAfterFirstBytes(port: number, path: string): Promise<number> {
  return new Promise((resolve) => {
    const req = httpRequest({ host: '127.0.0.1', port, path, agent: false }, (res) => {
      res.once('data', () => {
        req.destroy();
        resolve(res.statusCode ?? 0);
      });
    });
    req.on('error', () => {});
    req.end();
  });
}

describe('express: a client closing a sendFile download early', () => {
  it(`${N} downloads closed by their clients are early closes, not failed requests (500)`, async () => {
    const made = await expressApp({}, (app) => {
      app.get('/ok', (_req, res) => void res.send('ok'));
      app.get('/file', (_req, res, next) => {
        res.sendFile(FILE, (err) => {
          if (err) next(err);
        });
      });
    });
    const server = made.server;
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    running.push({ server, monitor: made.monitor });
    const address = server.address();
    const port = typeof address === 'object' && address ? address.port : 0;
    for (let i = 0; i < 3; i++) {
      await new Promise<void>((r) =>
        httpRequest({ host: '127.0.0.1', port, path: '/ok', agent: false }, (res) => {
          res.resume();
          res.on('end', () => r());
        }).end(),
      );
    }
    const statuses = await Promise.all(Array.from({ length: N }, () => closeAfterFirstBytes(port, '/file')));
    expect(statuses).toEqual(Array(N).fill(200));
    const monitor = made.monitor;
    await eventually(
      async () =>
        monitor.requests.abortedTotals().reduce((n, t) => n + t.count, 0) + monitor.requests.total >= N + 3,
    );
    // Let any late error (sendFile's callback) arrive before reading.
    await new Promise((r) => setTimeout(r, 300));
    const m = await monitor.getMetrics({ maxAgeMs: 0 });
    expect([m.requests.total, m.errors.count_5xx, m.errors.error_rate_percent]).toEqual([3, 0, 0]);
    expect([m.errors.count_aborted, m.errors.count_aborted_early]).toEqual([N, N]);
  }, 60_000);
});
