// Outside review I: loopback mode refuses a browser's request (User-Agent `Mozilla/`, no Sec-Fetch-Site) to a
// name in allowedHosts (review G, F3), but PowerShell's own HTTP clients send a default User-Agent starting
// `Mozilla/` too, and were refused 403, though tools are served under such a name. The agents below are the
// defaults those clients send (PowerShell 7.4 Invoke-RestMethod, Windows PowerShell 5.1 Invoke-WebRequest and
// its `curl` alias) and what Chromium 131 and Firefox 133 send with an `<img>` over plain HTTP (no Sec-Fetch-*).

import { describe, expect, it } from 'vitest';
import { harnesses } from '../adapters/harness.js';
import { BASE, closedAfterEach, startTarget } from './fixture.js';
import { rawRequest } from './raw-client.js';

const { targets } = closedAfterEach();

const CHROMIUM =
  'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36';
const FIREFOX = 'Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0';

/** [client, User-Agent, Host name, status]: tools are served under the name, browsers without Fetch Metadata not. */
const TABLE: [string, string, string, number][] = [
  ['curl', 'curl/8.5.0', 'devbox.local', 200],
  ['Prometheus', 'Prometheus/2.53.0', 'devbox.local', 200],
  [
    'PowerShell 7 Invoke-RestMethod',
    'Mozilla/5.0 (Windows NT 10.0; Microsoft Windows 10.0.19045; en-US) PowerShell/7.4.0',
    'devbox.local',
    200,
  ],
  [
    'Windows PowerShell 5.1',
    'Mozilla/5.0 (Windows NT; Windows NT 10.0; en-US) WindowsPowerShell/5.1.19041.1682',
    'devbox.local',
    200,
  ],
  ['Chromium, no Sec-Fetch-*', CHROMIUM, 'devbox.local', 403],
  ['Firefox, no Sec-Fetch-*', FIREFOX, 'devbox.local', 403],
  ['Chromium at localhost', CHROMIUM, 'localhost', 200],
];

describe.each(harnesses)(
  '$name: loopback mode, allowedHosts devbox.local: tools served, browsers refused',
  (harness) => {
    it('serves each tool by its User-Agent and refuses a browser without Fetch Metadata', async () => {
      const t = await startTarget(harness, { api: { allowedHosts: ['devbox.local'] } });
      targets.push(t);
      const port = new URL(t.url).port;
      const got: [string, number, string][] = [];
      for (const [client, ua, host] of TABLE) {
        const res = await rawRequest(t.url, {
          method: 'GET',
          path: `${BASE}/metrics/`,
          headers: { host: `${host}:${port}`, 'user-agent': ua, accept: 'application/json' },
        });
        const code =
          res.status === 200 ? '' : (JSON.parse(res.body) as { error: { code: string } }).error.code;
        got.push([client, res.status, code]);
      }
      expect(got).toEqual(
        TABLE.map(([client, , , status]) => [client, status, status === 403 ? 'origin_not_allowed' : '']),
      );
    });
  },
);
