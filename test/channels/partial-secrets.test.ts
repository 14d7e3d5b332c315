// A receiver that refuses a credential often echoes PART of it (`"token":"Zq8vK2mP…"`, "key ending in …"): no run
// of 8 characters or more of a channel's secret may show in `last_error` (channels/, health/) or the failure log,
// as written or escaped, nor such a run of its base64 or hex (outside review 16, F2). A shorter run (an ordinary
// word a password holds) stays readable.

import type { AddressInfo } from 'node:net';
import { createServer, type Socket } from 'node:net';
import { describe, expect, it } from 'vitest';
import { redactor } from '../../src/channels/redact.js';
import { answeringReceiver, cleanups, serveAlerted } from './admin-server.js';
import type { Received } from './receiver.js';

const TOKEN = 'Zq8vK2mP9xR4tL7wN3bJ6hF1cD5gS0yE';
const API_KEY = 'Hk3Lm9Pq2Rs8Tv4Wx7Yz5Ab1Cd6Ef0Gh';
const SMTP_PASSWORD = 'Tr0ub4dor&3xKq9';

/** Each way a receiver echoes a part of the token or the key, by the path it was sent to. */
const ECHOES: Record<string, string> = {
  prefix: JSON.stringify({ error: 'invalid_token', token: `${TOKEN.slice(0, 24)}...` }),
  suffix: `unauthorized: key ending in ${TOKEN.slice(-12)} is revoked`,
  halves: `bad token ${TOKEN.slice(0, 16)} ${TOKEN.slice(16)}`,
  header: `got header x-api-key: ${API_KEY.slice(0, 20)}…`,
  html: `<html><body>Invalid token &quot;${TOKEN.slice(0, 28)}&quot;</body></html>`,
  json: JSON.stringify({ msg: `token ${TOKEN.slice(4, 26)}` }).replace(
    /[A-Za-z]/g,
    (c) => `\\u00${c.charCodeAt(0).toString(16)}`,
  ),
  percent: `token=${[...TOKEN.slice(2, 22)].map((c) => `%${c.charCodeAt(0).toString(16)}`).join('')}`,
  base64: `token(b64) ${Buffer.from(TOKEN).toString('base64').slice(0, 30)}`,
  hex: `sig ${Buffer.from(TOKEN.slice(0, 16)).toString('hex')} mismatch`,
  upper: `TOKEN ${TOKEN.slice(8, 30).toUpperCase()} REVOKED`,
};

/** The longest run of `secret`'s characters (any letter case) that `text` holds: the oracle, by brute force. */
function longestRun(text: string, secret: string): number {
  const t = text.toLowerCase();
  const s = secret.toLowerCase();
  let best = 0;
  for (let i = 0; i < s.length; i++) {
    for (let j = i + best + 1; j <= s.length; j++) {
      if (!t.includes(s.slice(i, j))) break;
      best = j - i;
    }
  }
  return best;
}

/** `text` and its decodings: JSON escapes, HTML references, percent-encoding undone; base64 and hex runs read. */
function decodings(text: string): string[] {
  const json = text.replace(/\\u([0-9a-f]{4})/gi, (_, u: string) =>
    String.fromCharCode(Number.parseInt(u, 16)),
  );
  const html = json.replace(/&quot;/g, '"');
  const pct = html.replace(/%([0-9a-f]{2})/gi, (_, h: string) => String.fromCharCode(Number.parseInt(h, 16)));
  const b64 = [...pct.matchAll(/[A-Za-z0-9+/]{8,}/g)].map((m) =>
    Buffer.from(m[0], 'base64').toString('latin1'),
  );
  const hex = [...pct.matchAll(/(?:[0-9a-f]{2}){4,}/gi)].map((m) =>
    Buffer.from(m[0], 'hex').toString('latin1'),
  );
  return [text, json, html, pct, ...b64, ...hex];
}

describe('a webhook receiver echoing a part of its token or API key', () => {
  it('shows no run of 8 characters of either in channels/, health/ or the log', async () => {
    const rx = await answeringReceiver(
      401,
      (r: Received) => ECHOES[r.url.split('?')[0]!.slice('/c-'.length)] ?? 'no',
    );
    const { call, logger, readChannels, bodies } = await serveAlerted(
      Object.keys(ECHOES).map((name) => ({
        type: 'webhook' as const,
        name,
        retries: 0,
        url: `${rx.origin}/c-${name}?token=${TOKEN}`,
        headers: { 'x-api-key': API_KEY },
      })),
    );
    // The oracle's premise: each answer holds a run of 12 characters or more of the token or key, decoded.
    for (const echo of Object.values(ECHOES)) {
      const runs = decodings(echo).map((d) => Math.max(longestRun(d, TOKEN), longestRun(d, API_KEY)));
      expect(Math.max(...runs), echo).toBeGreaterThanOrEqual(12);
    }
    const channels = await readChannels();
    await call('health/?detailed=true');
    expect(channels.every((c) => c.last_error.startsWith('HTTP 401: '))).toBe(true);
    expect(logger.lines.filter((l) => l.includes('is failing'))).toHaveLength(Object.keys(ECHOES).length);
    for (const text of [...bodies, ...logger.lines]) {
      for (const d of decodings(text)) {
        expect(longestRun(d, TOKEN), d).toBeLessThan(8);
        expect(longestRun(d, API_KEY), d).toBeLessThan(8);
      }
    }
    // And the words around them stay readable.
    const shown = Object.fromEntries(channels.map((c) => [c.name, c.last_error]));
    expect(shown.suffix).toBe('HTTP 401: unauthorized: key ending in [redacted] is revoked');
    expect(shown.halves).toBe('HTTP 401: bad token [redacted] [redacted]');
    expect(shown.html).toBe('HTTP 401: <html><body>Invalid token &quot;[redacted]&quot;</body></html>');
  });

  it('leaves a run under 8 characters, and the ordinary words of a password, readable', async () => {
    const password = 'hunter2hunter';
    const rx = await answeringReceiver(
      403,
      () => `hunter and hunter2 are not ${password.slice(0, 9)} (${password.slice(-8)}) END`,
    );
    const { readChannels } = await serveAlerted([
      { type: 'webhook', retries: 0, url: `${rx.origin}/hook?pass=${password}` },
    ]);
    const [c] = await readChannels();
    // `hunter` and `hunter2` (6 and 7 characters of it) stay; its runs of 9 and 8 go.
    expect(c?.last_error).toBe('HTTP 403: hunter and hunter2 are not [redacted] ([redacted]) END');
  });
});

/** An SMTP server that takes AUTH LOGIN and refuses it, echoing the first 10 characters of the password. */
async function echoingSmtp(): Promise<number> {
  const server = createServer((s: Socket) => {
    s.write('220 test ESMTP\r\n');
    let buf = '';
    let stage = '';
    s.on('error', () => {});
    s.on('data', (d) => {
      buf += d.toString('latin1');
      for (let i = buf.indexOf('\r\n'); i >= 0; i = buf.indexOf('\r\n')) {
        const line = buf.slice(0, i);
        buf = buf.slice(i + 2);
        if (/^(EHLO|HELO)/i.test(line)) s.write('250-test\r\n250 AUTH LOGIN\r\n');
        else if (/^AUTH LOGIN/i.test(line)) {
          stage = 'user';
          s.write('334 VXNlcm5hbWU6\r\n');
        } else if (stage === 'user') {
          stage = 'pass';
          s.write('334 UGFzc3dvcmQ6\r\n');
        } else if (stage === 'pass') {
          stage = '';
          const pw = Buffer.from(line, 'base64').toString('utf8');
          s.write(`535 5.7.8 password ${pw.slice(0, 10)}... is wrong\r\n`);
        } else if (/^QUIT/i.test(line)) s.end('221 bye\r\n');
        else s.write('250 OK\r\n');
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  cleanups.push(() => new Promise<void>((resolve) => server.close(() => resolve())));
  return (server.address() as AddressInfo).port;
}

describe('an SMTP server echoing a part of the password', () => {
  it('shows no run of 8 characters of it', async () => {
    const port = await echoingSmtp();
    const { call, logger, readChannels, bodies } = await serveAlerted([
      {
        type: 'email',
        retries: 0,
        smtp: `smtp://alerts%40example.com:${encodeURIComponent(SMTP_PASSWORD)}@127.0.0.1:${port}`,
        from: 'a@example.com',
        to: 'b@example.com',
      },
    ]);
    const [c] = await readChannels();
    await call('health/?detailed=true');
    expect(c?.last_error).toBe('Invalid login: 535 5.7.8 password [redacted]... is wrong');
    for (const text of [...bodies, ...logger.lines]) {
      for (const d of decodings(text)) expect(longestRun(d, SMTP_PASSWORD), d).toBeLessThan(8);
    }
  });
});

describe('the rule, case by case (redactor)', () => {
  const SIG = 'Ab3dE6gH9jK2mN5p';
  const redact = redactor([TOKEN, `api-version=2016-06-01&sig=${SIG}`, SIG, 'application/json']);
  it.each([
    // A character outside the BMP before the run (two UTF-16 units): the run is still found.
    [`\u{1F600} token ${TOKEN.slice(0, 20)} end`, '\u{1F600} token [redacted] end'],
    [`${TOKEN.slice(0, 7)} and ${TOKEN.slice(-7)}`, `${TOKEN.slice(0, 7)} and ${TOKEN.slice(-7)}`],
    [`sig ${SIG.slice(3, 11)}!`, 'sig [redacted]!'],
    // The ordinary words of a composite, a media type: readable.
    ['api-version=2016-06-01 is retired', 'api-version=2016-06-01 is retired'],
    ['expected application/xml', 'expected application/xml'],
  ])('%s', (text, shown) => {
    expect(redact(text)).toBe(shown);
  });
});
