// Random and hostile requests at the admin API: every answer is a 2xx or a 4xx with the error envelope.

import { request } from 'node:http';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAdminApi } from '../../src/http/api.js';
import { fakeSource, type Served, serve } from './admin-fixture.js';

const BASE = '/api/core/admin/system';
let served: Served;
const source = fakeSource();

beforeAll(async () => {
  const api = createAdminApi(source, { adminToken: 'hostile-token', rateLimit: false });
  served = await serve(async (req, res) => {
    if (!(await api.handle(req, res))) res.end('app');
  });
});
afterAll(() => served.close());

/** Raw request (fetch normalises paths and refuses some methods; attackers do not). */
function raw(
  method: string,
  path: string,
  headers: Record<string, string>,
): Promise<{ status: number; body: string }> {
  const { port } = new URL(served.url);
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, method, path, headers }, (res) => {
      let body = '';
      res.on('data', (c: Buffer) => {
        body += c.toString();
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

const segment = fc.oneof(
  fc.constantFrom(
    'metrics',
    'health',
    'alerts',
    'history',
    'token',
    '',
    '..',
    '..%2f',
    '%2e%2e',
    '__proto__',
    'constructor',
  ),
  fc.string({ maxLength: 20 }).map(encodeURIComponent),
);
const paramName = fc.oneof(
  fc.constantFrom(
    'detailed',
    'history',
    'limit',
    'period',
    'instance',
    'access_token',
    '__proto__',
    'constructor',
    'toString',
  ),
  fc.string({ maxLength: 12 }),
);
const paramValue = fc.oneof(
  fc.constantFrom(
    'true',
    'false',
    '1',
    '0',
    '-1',
    '1.5',
    '1e9',
    '99999999999999999999',
    '7d',
    'all',
    '',
    'NaN',
  ),
  fc.string({ maxLength: 30 }),
  fc.integer().map(String),
);
const query = fc
  .array(fc.tuple(paramName, paramValue), { maxLength: 4 })
  .map((pairs) =>
    pairs.length
      ? `?${pairs.map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`).join('&')}`
      : '',
  );
const authorization = fc.oneof(
  fc.constant(undefined),
  fc.constant('Bearer hostile-token'),
  fc.constantFrom('Bearer', 'Basic Zm9vOmJhcg==', 'Bearer  hostile-token ', `Bearer ${'A'.repeat(8000)}`),
  fc.string({ maxLength: 60 }).map((s) => `Bearer ${s.replace(/[^\x21-\x7e]/g, 'x')}`),
);
const method = fc.constantFrom(
  'GET',
  'HEAD',
  'POST',
  'PUT',
  'DELETE',
  'PATCH',
  'OPTIONS',
  'TRACE',
  'PROPFIND',
);

describe('admin API under hostile input', () => {
  it('answers 2xx or 4xx with the envelope, never 5xx or a stack trace', async () => {
    await fc.assert(
      fc.asyncProperty(
        method,
        fc.array(segment, { maxLength: 4 }),
        query,
        authorization,
        async (m, segs, q, auth) => {
          const path = `${BASE}/${segs.join('/')}${q}`;
          const headers: Record<string, string> = auth === undefined ? {} : { authorization: auth };
          const r = await raw(m, path, headers);
          expect(r.status, `${m} ${path}`).toBeGreaterThanOrEqual(200);
          expect(r.status, `${m} ${path}`).toBeLessThan(500);
          if (m === 'HEAD') return;
          const body = JSON.parse(r.body);
          expect(typeof body.success).toBe('boolean');
          if (!body.success) {
            expect(r.status).toBeGreaterThanOrEqual(400);
            expect(Object.keys(body.error).sort()).toEqual(['code', 'message']);
          }
          expect(r.body).not.toMatch(/\n\s+at |node_modules/);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('a refused or bad request reads nothing from the monitor', async () => {
    source.calls.length = 0;
    for (const path of ['metrics/', 'alerts/?limit=0', 'health/?detailed=2', 'history/?period=1y', 'nope']) {
      await raw(
        'GET',
        `${BASE}/${path}`,
        path === 'metrics/' ? {} : { authorization: 'Bearer hostile-token' },
      );
    }
    expect(source.calls).toEqual([]);
  });
});
