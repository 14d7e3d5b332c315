// Writes (POST/DELETE silences/) from a page of another origin: the check compared the Origin's host (and
// port) with the Host header only, not its scheme, so a page from http://host (which anybody on its network
// path can rewrite) could create or expire silences on https://host, and an https page on the plain server.
// The web's same-origin rule compares scheme, host and port: the request's own scheme is the socket's (TLS or
// not), or with trustProxy the nearest trusted proxy's X-Forwarded-Proto. Real servers on each adapter
// (plain HTTP) and a node:https server with a self-signed certificate; real HTTP requests.

import { readFileSync } from 'node:fs';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { createMonitor } from '../../src/adapters/express.js';
import { createAdminApi } from '../../src/http/api.js';
import { silentLogger } from '../../src/logger.js';
import { harnesses } from '../adapters/harness.js';
import { BASE, startTarget, type Target, TOKEN } from './fixture.js';
import { send } from './send.js';

const tls = (name: string) =>
  readFileSync(fileURLToPath(new URL(`../fixtures/tls/${name}`, import.meta.url)));

let cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.reverse()) await c();
  cleanups = [];
});

const SILENCE = JSON.stringify({ rule: 'error_rate', duration_ms: 3_600_000, comment: 'origin test' });

const write = { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' };

/** The ids of the silences the server holds (read with the token, no Origin). */
async function silenceIds(base: string): Promise<string[]> {
  const r = await send(`${base}/silences/`, 'GET', { authorization: `Bearer ${TOKEN}` });
  const data = JSON.parse(r.body).data;
  return (data.silences as { id: string }[]).map((s) => s.id);
}

async function target(
  harness: (typeof harnesses)[number],
  api: NonNullable<Parameters<typeof startTarget>[1]>['api'],
) {
  const t: Target = await startTarget(harness, { api });
  cleanups.push(() => t.close());
  return { ...t, port: Number(new URL(t.url).port) };
}

describe.each(harnesses)('$name adapter, plain HTTP', (harness) => {
  it('a write from https://<its own host:port> is 403 and changes nothing (before: 201); its own http page writes', async () => {
    const t = await target(harness, { adminToken: TOKEN });
    const other = `https://127.0.0.1:${t.port}`;
    const post = await send(`${t.base}/silences/`, 'POST', { ...write, origin: other }, SILENCE);
    expect(post).toMatchObject({ status: 403, code: 'origin_not_allowed' });
    expect(await silenceIds(t.base)).toEqual([]);

    const own = `http://127.0.0.1:${t.port}`;
    const created = await send(`${t.base}/silences/`, 'POST', { ...write, origin: own }, SILENCE);
    expect(created.status).toBe(201);
    const id = JSON.parse(created.body).data.id as string;

    // Expiring (POST …/expire, DELETE) is a write too.
    const expire = await send(`${t.base}/silences/${id}/expire`, 'POST', { ...write, origin: other }, '{}');
    expect(expire).toMatchObject({ status: 403, code: 'origin_not_allowed' });
    const del = await send(`${t.base}/silences/${id}`, 'DELETE', {
      authorization: `Bearer ${TOKEN}`,
      origin: other,
    });
    expect(del).toMatchObject({ status: 403, code: 'origin_not_allowed' });
    const still = JSON.parse(
      (await send(`${t.base}/silences/${id}`, 'GET', { authorization: `Bearer ${TOKEN}` })).body,
    );
    expect(still.data.status).toBe('active');
    // Another port or host, `null`: refused as before; no Origin (curl, scripts): served.
    for (const origin of [`http://127.0.0.1:${t.port + 1}`, `http://localhost:${t.port}`, 'null']) {
      expect((await send(`${t.base}/silences/`, 'POST', { ...write, origin }, SILENCE)).status, origin).toBe(
        403,
      );
    }
    expect(
      (await send(`${t.base}/silences/${id}`, 'DELETE', { authorization: `Bearer ${TOKEN}` })).status,
    ).toBe(200);
  });

  it('X-Forwarded-Proto names the scheme only with trustProxy (a TLS-terminating proxy)', async () => {
    const proxied = { ...write, 'x-forwarded-proto': 'https' };
    const at = (port: number, scheme: string) => `${scheme}://127.0.0.1:${port}`;
    // Without trustProxy the client could write the header itself: the socket's scheme (http) counts.
    const plain = await target(harness, { adminToken: TOKEN });
    const forged = await send(
      `${plain.base}/silences/`,
      'POST',
      { ...proxied, origin: at(plain.port, 'https') },
      SILENCE,
    );
    expect(forged).toMatchObject({ status: 403, code: 'origin_not_allowed' });
    expect(forged.body).toContain('trustProxy');

    // Behind one proxy that terminates TLS: the https page is the server's own, the http one is not.
    const behind = await target(harness, { adminToken: TOKEN, trustProxy: 1 });
    const url = `${behind.base}/silences/`;
    expect((await send(url, 'POST', { ...proxied, origin: at(behind.port, 'https') }, SILENCE)).status).toBe(
      201,
    );
    expect(await send(url, 'POST', { ...proxied, origin: at(behind.port, 'http') }, SILENCE)).toMatchObject({
      status: 403,
      code: 'origin_not_allowed',
    });
    // A proxy that appends: the nearest trusted proxy's entry counts, not the one the client wrote.
    const appended = { ...write, 'x-forwarded-proto': 'https, http' };
    expect((await send(url, 'POST', { ...appended, origin: at(behind.port, 'https') }, SILENCE)).status).toBe(
      403,
    );
    expect((await send(url, 'POST', { ...appended, origin: at(behind.port, 'http') }, SILENCE)).status).toBe(
      201,
    );
    expect(await silenceIds(behind.base)).toHaveLength(2);
  });

  it('allowedOrigins: a listed origin may write, as it may read and open the stream', async () => {
    const t = await target(harness, { adminToken: TOKEN, allowedOrigins: ['https://ops.example.com'] });
    const ok = await send(
      `${t.base}/silences/`,
      'POST',
      { ...write, origin: 'https://ops.example.com' },
      SILENCE,
    );
    expect(ok.status).toBe(201);
    const other = await send(
      `${t.base}/silences/`,
      'POST',
      { ...write, origin: 'http://ops.example.com' },
      SILENCE,
    );
    expect(other).toMatchObject({ status: 403, code: 'origin_not_allowed' });
  });
});

describe('node:https server', () => {
  it('a write from http://<its own host> is 403 (before: 201, the default ports leave the same Host); its https page writes', async () => {
    const monitor = createMonitor({ sampleIntervalMs: 0, logger: silentLogger, adminToken: TOKEN });
    const api = createAdminApi(monitor, { adminToken: TOKEN });
    const server = createHttpsServer(
      { key: tls('localhost.key'), cert: tls('localhost.crt') },
      (req, res) => {
        void api.handle(req, res).then((handled) => {
          if (!handled) res.writeHead(404).end();
        });
      },
    );
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    cleanups.push(async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await monitor.close();
    });
    const port = (server.address() as AddressInfo).port;
    const base = `https://localhost:${port}${BASE}`;
    // The attack as a browser makes it: the page http://localhost (port 80) posts to https://localhost
    // (port 443); both requests carry Host `localhost`. Host is set here as the browser would send it.
    const fromHttp = await send(
      `${base}/silences/`,
      'POST',
      { ...write, host: 'localhost', origin: 'http://localhost' },
      SILENCE,
    );
    expect(fromHttp).toMatchObject({ status: 403, code: 'origin_not_allowed' });
    const fromHttpPort = await send(
      `${base}/silences/`,
      'POST',
      { ...write, origin: `http://localhost:${port}` },
      SILENCE,
    );
    expect(fromHttpPort).toMatchObject({ status: 403, code: 'origin_not_allowed' });
    expect(await silenceIds(base)).toEqual([]);
    const own = await send(
      `${base}/silences/`,
      'POST',
      { ...write, host: 'localhost', origin: 'https://localhost' },
      SILENCE,
    );
    expect(own.status).toBe(201);
    expect(
      (await send(`${base}/silences/`, 'POST', { ...write, origin: `https://localhost:${port}` }, SILENCE))
        .status,
    ).toBe(201);
    expect(await silenceIds(base)).toHaveLength(2);
  });
});
