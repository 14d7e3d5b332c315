// Issue 18: Express gives every request and response a hidden class of its own (setPrototypeOf to the
// app's prototypes), so a property sysvitals adds to them copies that class per request and turns every
// later property read into an inline-cache miss. The adapter keeps its per-request state beside them,
// and must still record each request exactly. Real Express server.

import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { afterEach, describe, expect, it } from 'vitest';
import { expressMiddleware } from '../../src/adapters/express.js';
import { recordingSource } from './harness.js';

let server: Server | undefined;
afterEach(async () => {
  const s = server;
  server = undefined;
  if (s) {
    s.closeAllConnections();
    await new Promise<void>((resolve) => s.close(() => resolve()));
  }
});

/** The own keys sysvitals could have added: symbols named `sysvitals.*`. */
const ours = (o: object): string[] =>
  Object.getOwnPropertySymbols(o)
    .map((s) => s.description ?? '')
    .filter((d) => d.startsWith('sysvitals.'));

describe('express: no property added to req or res', () => {
  it('leaves req and res as Express made them, and records every request with its own status and route', async () => {
    const source = recordingSource();
    const seen: { req: IncomingMessage; res: ServerResponse }[] = [];
    const app = express();
    app.use(expressMiddleware(source, { rateLimit: false }));
    app.get('/users/:id', (req, res) => {
      seen.push({ req, res });
      res.status(req.params.id === '404' ? 404 : 200).json({ id: req.params.id });
    });
    server = createServer(app);
    await new Promise<void>((resolve) => server?.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const ids = ['1', '404', '3', '404', '5'];
    for (const id of ids) await (await fetch(`${url}/users/${id}`)).arrayBuffer();
    const guard = Date.now() + 30_000; // a hang guard: recorded as each response finishes
    while (source.records.length < ids.length && Date.now() < guard)
      await new Promise((r) => setTimeout(r, 10));

    expect(seen).toHaveLength(ids.length);
    for (const { req, res } of seen) {
      expect(ours(req)).toEqual([]);
      expect(ours(res)).toEqual([]);
    }
    expect(source.records.map((r) => [r.method, r.route, r.status])).toEqual(
      ids.map((id) => ['GET', '/users/:id', id === '404' ? 404 : 200]),
    );
    for (const r of source.records) expect(r.durationMs).toBeGreaterThan(0);
  });
});
