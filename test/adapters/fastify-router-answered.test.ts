// Outside review 5, R7: requests Fastify's router answers itself, before any route hook (400 for a malformed
// %-encoding; on Fastify 5, 414 for a parameter over maxParamLength, which Fastify 4 answers 404 from its 404
// handler) were in no figure: 25 sent, 5 (Fastify 5) or 15 (Fastify 4) counted. Every request is recorded now, the
// router's as `unmatched` with their own status, on real Fastify 5 and 4 servers over raw sockets; the responses
// are byte for byte those of the same app without sysvitals (but the Date header).

import type { AddressInfo } from 'node:net';
import { connect } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { createMonitor } from '../../src/adapters/fastify.js';
import { httpSend } from '../helpers/http-get.js';
import { parseExposition } from '../http/prometheus-parse.js';
import { CURRENT_MAJORS, olderMajors } from './framework-modules.js';

const BASE = '/api/core/admin/system';
const TOKEN = 't'.repeat(40);
const opts = { sampleIntervalMs: 0, adminToken: TOKEN, logger: { warn() {}, error() {} } };

const closers: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const close of closers.splice(0).reverse()) await close();
});

type Factory = (opts?: object) => FastifyInstance;
const majors: Array<[string, () => Factory]> = [
  [`fastify ${CURRENT_MAJORS.versions.fastify}`, () => CURRENT_MAJORS.fastify as unknown as Factory],
  ['fastify 4 (fastify4)', () => olderMajors().fastify as unknown as Factory],
];

async function start(
  make: () => Factory,
  monitored: boolean,
  fastifyOptions: object = {},
  monitorOptions: object = {},
) {
  const Fastify = make();
  const app = Fastify(fastifyOptions);
  const monitor = monitored ? createMonitor({ ...opts, ...monitorOptions }) : undefined;
  if (monitor) await app.register(monitor.plugin());
  app.get('/a/:p', async (req) => `ok ${(req.params as { p: string }).p}`);
  await app.listen({ port: 0, host: '127.0.0.1' });
  closers.push(async () => {
    await app.close();
    await monitor?.close();
  });
  return { monitor, port: (app.server.address() as AddressInfo).port };
}

/** One raw HTTP/1.1 request on its own connection: the response as sent, Date header removed. */
function raw(port: number, path: string, extra = ''): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () =>
      socket.write(`GET ${path} HTTP/1.1\r\nHost: x\r\n${extra}Connection: close\r\n\r\n`),
    );
    let data = '';
    socket.setEncoding('latin1');
    socket.on('data', (c: string) => {
      data += c;
    });
    socket.on('error', reject);
    socket.on('close', () => resolve(data.replace(/\r\nDate: [^\r]*/i, '')));
  });
}

const statusOf = (response: string): number => Number(response.split(' ')[1]);

const TRAFFIC = [
  ...Array.from({ length: 10 }, (_, i) => `/a/%E0%A4%Z${i}`),
  ...Array.from({ length: 10 }, (_, i) => `/a/${'x'.repeat(200)}${i}`),
  ...Array.from({ length: 5 }, (_, i) => `/a/ok${i}`),
];

interface Row {
  method: string;
  route: string;
  count: number;
}

describe.each(majors)('%s', (name, make) => {
  it('every request the router answers is recorded `unmatched` with its status; counts equal the client’s', async () => {
    const { monitor, port } = await start(make, true);
    const seen = new Map<number, number>();
    for (const path of TRAFFIC) {
      const status = statusOf(await raw(port, path));
      seen.set(status, (seen.get(status) ?? 0) + 1);
    }
    // The premise: what each major answers (Fastify 4 has no 414: its 404 handler answers those).
    const tooLong = name.startsWith('fastify 4') ? 404 : 414;
    expect(Object.fromEntries(seen)).toEqual({ 200: 5, 400: 10, [tooLong]: 10 });

    const m = await monitor!.getMetrics({ maxAgeMs: 0 });
    expect(m.requests.total).toBe(25);
    expect(m.errors.count_4xx).toBe(20);
    expect(m.errors.count_5xx).toBe(0);
    const rows = new Map(m.routes.map((r: Row) => [`${r.method} ${r.route}`, r.count]));
    expect(Object.fromEntries(rows)).toEqual({ 'GET /a/:p': 5, 'GET unmatched': 20 });

    const scrape = await httpSend('GET', `http://127.0.0.1:${port}${BASE}/metrics/prometheus`, {
      authorization: `Bearer ${TOKEN}`,
    });
    expect(scrape.status).toBe(200);
    const family = [...parseExposition(scrape.body).values()].find((f) =>
      f.name.endsWith('http_requests_total'),
    );
    const series = new Map(
      (family?.samples ?? []).map((s) => [`${s.labels.route} ${s.labels.status_class}`, s.value]),
    );
    expect(Object.fromEntries(series)).toEqual({ '/a/:p 2xx': 5, 'unmatched 4xx': 20 });
  });

  it('the responses are those of the same app without sysvitals (status, headers, body)', async () => {
    const bare = await start(make, false);
    const monitored = await start(make, true);
    for (const path of ['/a/%E0%A4%Z', `/a/${'y'.repeat(150)}`, '/a/fine', '/nowhere/%ZZ', '/a/%']) {
      const expected = await raw(bare.port, path);
      expect(await raw(monitored.port, path)).toBe(expected);
    }
  });

  it('with frameworkErrors, its answer is the one recorded, and the response is unchanged', async () => {
    const frameworkErrors = (
      _err: Error,
      _req: unknown,
      reply: { code(n: number): { send(b: string): void } },
    ) => {
      setTimeout(() => reply.code(422).send('custom'), 5);
    };
    const bare = await start(make, false, { frameworkErrors });
    const { monitor, port } = await start(make, true, { frameworkErrors });
    expect(await raw(port, '/a/%E0%A4%Z')).toBe(await raw(bare.port, '/a/%E0%A4%Z'));
    expect(statusOf(await raw(port, '/a/%E0%A4%Z'))).toBe(422);
    const m = await monitor!.getMetrics({ maxAgeMs: 0 });
    expect(m.requests.total).toBe(2);
    expect(m.routes.map((r: Row) => [r.method, r.route, r.count])).toEqual([['GET', 'unmatched', 2]]);
  });

  it('the admin base path and excluded paths stay out, as for any request; the rest is recorded once', async () => {
    const { monitor, port } = await start(make, true, {}, { excludeRoutes: ['/health'] });
    for (const path of [`${BASE}/%E0%A4%Z`, '/health/%E0%A4%Z', '/a/%E0%A4%Z'])
      expect(statusOf(await raw(port, path))).toBe(400);
    const m = await monitor!.getMetrics({ maxAgeMs: 0 });
    expect(m.requests.total).toBe(1);
    expect(m.routes.map((r: Row) => [r.method, r.route, r.count])).toEqual([['GET', 'unmatched', 1]]);
  });
});
