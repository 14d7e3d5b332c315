// Outside review 29, RT29-3: the dashboard's page and assets (served without credentials) were served to any Host
// with adminToken or authorize, allowedHosts set or not, while README said the Host check still applied. A DNS
// name rebound to the server then serves the real page, which asks the visitor for the admin token on the
// attacker's origin. Now the page gets the API's Host rule (localhost, IP addresses, allowedHosts; else 421) in
// loopback mode, with authorize alone, and in every mode once allowedHosts is set; with adminToken and no
// allowedHosts it is served under any Host, as the API serves a bearer under any Host (README says so).

import { describe, expect, it } from 'vitest';
import type { AdminApiOptions } from '../../src/http/admin-api-options.js';
import { harnesses } from '../adapters/harness.js';
import { BASE, loopbackTargets, type Target, TOKEN } from './fixture.js';
import { rawExchange, rawRequest } from './raw-client.js';

const startTarget = loopbackTargets();

const PAGE = ['dashboard/', 'dashboard/app.js', 'dashboard/app.css'];
const REBOUND = 'rebind.attacker.example';
const allow = () => true;

type Options = AdminApiOptions<never>;
/** [mode, options, whether the page's Host is checked]. */
const MODES: [string, Record<string, unknown>, boolean][] = [
  ['loopback', {}, true],
  ['authorize', { authorize: allow }, true], // was 200
  ['authorize + allowedHosts', { authorize: allow, allowedHosts: ['admin.example.com'] }, true], // was 200
  ['adminToken + allowedHosts', { adminToken: TOKEN, allowedHosts: ['admin.example.com'] }, true], // was 200
  [
    'adminToken + authorize + allowedHosts',
    { adminToken: TOKEN, authorize: allow, allowedHosts: ['admin.example.com'] },
    true,
  ], // was 200
  ['adminToken', { adminToken: TOKEN }, false],
  ['adminToken + authorize', { adminToken: TOKEN, authorize: allow }, false],
];

describe.each(harnesses)('$name adapter: the dashboard page and the Host rule', (harness) => {
  const target = (api: Record<string, unknown>) => startTarget(harness, api as Options);
  const get = (t: Target, path: string, host: string, headers: Record<string, string> = {}) =>
    rawRequest(t.url, { method: 'GET', path: `${BASE}/${path}`, headers: { host, ...headers } });

  it.each(MODES)('%s: a rebound name gets 421 exactly when the Host is checked', async (_, api, checked) => {
    const { t, port } = await target(api);
    for (const path of PAGE) {
      for (const host of [REBOUND, `${REBOUND}:${port}`, `localhost.${REBOUND}`]) {
        const res = await get(t, path, host);
        expect(res.status, `${path} Host ${host}`).toBe(checked ? 421 : 200);
        if (checked) {
          expect(JSON.parse(res.body).error.code).toBe('host_not_allowed');
          expect(res.body).not.toContain('<html');
        }
      }
      // The names the API serves: localhost and addresses always, allowedHosts when listed.
      const served = [`localhost:${port}`, `127.0.0.1:${port}`, `[::1]:${port}`];
      if ((api.allowedHosts as string[] | undefined)?.length)
        served.push('Admin.Example.com', 'admin.example.com.');
      for (const host of served) expect((await get(t, path, host)).status, `${path} Host ${host}`).toBe(200);
    }
  });

  it('authorize: the page answers for a Host exactly as the API does for the hook', async () => {
    const { t, port } = await target({ authorize: allow, allowedHosts: ['admin.example.com'] });
    for (const host of [REBOUND, 'admin.example.com', `127.0.0.1:${port}`, 'other.example.com']) {
      const page = (await get(t, 'dashboard/', host)).status;
      const api = (await get(t, 'metrics/', host)).status;
      expect(page, host).toBe(api);
    }
    // Logged once, naming the option, so a deployment that opens the dashboard under another name learns why.
    const warned = t.logger.lines.filter((l) => String(l).includes('refused the dashboard with 421'));
    expect(warned).toHaveLength(1);
    expect(String(warned[0])).toContain('allowedHosts');
  });

  it('adminToken + allowedHosts: the page is refused under a rebound name, a bearer still reads the API there', async () => {
    const { t } = await target({ adminToken: TOKEN, allowedHosts: ['admin.example.com'] });
    expect((await get(t, 'dashboard/', REBOUND)).status).toBe(421);
    expect((await get(t, 'metrics/', REBOUND, { authorization: `Bearer ${TOKEN}` })).status).toBe(200);
  });

  it('a request without Host or with two is refused (400) wherever the page checks Host', async () => {
    const { t } = await target({ authorize: allow });
    const res = await rawExchange(
      t.url,
      `GET ${BASE}/dashboard/ HTTP/1.1\r\nHost: a.example\r\nHost: 127.0.0.1\r\n\r\n`,
    );
    expect(res.slice(0, 12)).toBe('HTTP/1.1 400');
  });
});
