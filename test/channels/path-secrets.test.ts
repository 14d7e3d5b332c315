// A secret that is only part of a URL path segment (Telegram's `bot<id>:<token>`, `KEYID:SECRET`, `;jsessionid=…`,
// a JWT's parts, a random run inside a segment) is redacted when a receiver echoes that part alone, while the
// ordinary words of a path stay readable (outside review 13, F1). A short secret (a 2-letter URL password) is
// redacted as a whole word only, never inside other words (outside review 13, F2).

import { describe, expect, it } from 'vitest';
import { redactor } from '../../src/channels/redact.js';
import { urlSecrets } from '../../src/channels/secret-parts.js';
import { answeringReceiver, cleanups, serveAlerted } from './admin-server.js';
import { startReceiver } from './receiver.js';

const TELEGRAM = 'AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw';
const JWT_HEADER = 'eyJhbGciOiJIUzI1NiJ9';
const JWT_PAYLOAD = 'eyJzdWIiOiJhbGVydHMiLCJpYXQiOjE3MDAwMDAwMDB9';
/** RFC 7515's example signature: `-` and `_` split it into short runs. */
const JWT_SIG = 'dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk';

interface Case {
  /** The path of the channel's URL. */
  path: string;
  /** What the receiver echoes (words separated by spaces). */
  echo: string;
  /** What `last_error` shows of it. */
  shown: string;
  /** The parts taken for secrets alone (besides the whole URL and path). */
  parts?: string[];
}

/** Secrets inside a segment: each echoed alone (and whole) is redacted. */
const LEAKS: Record<string, Case> = {
  'Telegram token after the bot prefix': {
    path: `/bot123456789:${TELEGRAM}/sendMessage`,
    echo: `token 123456789:${TELEGRAM} unauthorized ${TELEGRAM} sendMessage`,
    shown: 'token [redacted] unauthorized [redacted] sendMessage',
    parts: [`123456789:${TELEGRAM}`, TELEGRAM],
  },
  'Telegram-like token of words and punctuation': {
    path: '/bot123456:ABC-DEF_secretToken/sendMessage',
    echo: 'unauthorized 123456:ABC-DEF_secretToken ABC-DEF_secretToken bot123456:ABC-DEF_secretToken',
    shown: 'unauthorized [redacted] [redacted] [redacted]',
    parts: ['bot123456:ABC-DEF_secretToken', '123456:ABC-DEF_secretToken', 'ABC-DEF_secretToken'],
  },
  'KEYID:SECRET segment': {
    path: '/v1/relay/AKIDEXAMPLE:hunter2-horse-battery/notify',
    echo: 'bad signature for hunter2-horse-battery (key AKIDEXAMPLE) at notify',
    shown: 'bad signature for [redacted] (key AKIDEXAMPLE) at notify',
    parts: ['AKIDEXAMPLE:hunter2-horse-battery', 'hunter2-horse-battery'],
  },
  'KEYID:REGION:SECRET segment, the secret echoed alone (outside review 15, N1)': {
    path: '/x/acct:eu:Zk29Qm7x/notify',
    echo: 'secret Zk29Qm7x for acct eu notify',
    shown: 'secret [redacted] for acct eu notify',
    parts: ['acct:eu:Zk29Qm7x', 'eu:Zk29Qm7x', 'Zk29Qm7x'],
  },
  ';jsessionid= path parameter': {
    path: '/app/notify;jsessionid=node0abc123xyz',
    echo: 'session node0abc123xyz expired at notify',
    shown: 'session [redacted] expired at notify',
    parts: ['node0abc123xyz'],
  },
  'JWT in a segment, its parts echoed alone': {
    path: `/hooks/${JWT_HEADER}.${JWT_PAYLOAD}.${JWT_SIG}`,
    echo: `bad signature ${JWT_SIG} for ${JWT_PAYLOAD} hooks`,
    shown: 'bad signature [redacted] for [redacted] hooks',
    parts: [`${JWT_HEADER}.${JWT_PAYLOAD}.${JWT_SIG}`, JWT_PAYLOAD, JWT_SIG],
  },
  'random run inside a segment': {
    path: '/alerts-Zq8kR2vLp9XwT4mN7bY3.json',
    echo: 'unknown hook Zq8kR2vLp9XwT4mN7bY3 alerts json',
    shown: 'unknown hook [redacted] alerts json',
    parts: ['Zq8kR2vLp9XwT4mN7bY3'],
  },
};

/** Ordinary segments: none of their words is taken for a secret. */
const ORDINARY: Record<string, Case> = {
  'a method name': { path: '/bot/sendMessage', echo: 'no such method sendMessage bot', shown: '' },
  'a versioned collection': { path: '/v1/messages', echo: 'v1 messages not found', shown: '' },
  'a word': { path: '/hooks', echo: 'no hooks here', shown: '' },
  'an id and a custom method after a colon': {
    path: '/v1/documents/doc123:batchUpdate',
    echo: 'doc123 batchUpdate not allowed',
    shown: '',
  },
  "Twilio's resource names and date": {
    path: '/2010-04-01/Accounts/Messages.json',
    echo: 'Messages.json 2010-04-01 Accounts',
    shown: '',
  },
  'a short path parameter and words': {
    path: '/IncomingWebhook;version=2/XMLHttpRequest',
    echo: 'IncomingWebhook version 2 XMLHttpRequest',
    shown: '',
  },
  'a time after a colon': { path: '/at/12:30:00/report', echo: 'at 12:30:00 report', shown: '' },
  'a time with seconds after a colon': {
    path: '/at/t:12:30:45/report',
    echo: 't 12 30 45 report',
    shown: '',
  },
};
for (const c of Object.values(ORDINARY)) c.shown = c.echo;
const CASES = { ...LEAKS, ...ORDINARY };

describe('secrets that are part of a path segment (the rule, case by case)', () => {
  it.each(Object.entries(LEAKS))('takes the parts of %s for secrets', (_name, c) => {
    const parts = urlSecrets(`https://h.example${c.path}`);
    for (const part of c.parts ?? []) expect(parts).toContain(part);
  });

  it.each(Object.entries(ORDINARY))('takes no part of %s for a secret', (_name, c) => {
    // Only the whole URL and its path (which hold `/`) are secrets: no word of it alone.
    expect(urlSecrets(`https://h.example${c.path}`).filter((s) => !s.includes('/'))).toEqual([]);
  });
});

describe('a receiver echoing a part of a path segment', () => {
  it('shows it redacted in channels/ and the log, and the ordinary words of a path as they were', async () => {
    const entries = Object.entries(CASES);
    const rx = await startReceiver((r, res) => {
      const c = entries.find(([, c]) => c.path === decodeURI(r.url))?.[1];
      res.writeHead(404, { 'content-type': 'text/plain' }).end(`Not Found: ${c?.echo ?? r.url} END`);
      return true;
    });
    cleanups.push(() => rx.close());
    const { logger, readChannels } = await serveAlerted(
      entries.map(([, c], i) => ({
        type: 'webhook' as const,
        name: `case-${i}`,
        url: `${rx.origin}${c.path}`,
        retries: 0,
      })),
    );
    expect(rx.received).toHaveLength(entries.length);
    const channels = await readChannels();
    // The oracle: the receiver's own answer with exactly the configured secret parts replaced.
    expect(channels.map((c) => c.last_error)).toEqual(
      entries.map(([, c]) => `HTTP 404: Not Found: ${c.shown} END`),
    );
    const failing = logger.lines.filter((l) => l.includes('is failing')).join('\n');
    for (const secret of [
      TELEGRAM,
      'ABC-DEF_secretToken',
      'hunter2-horse-battery',
      'node0abc123xyz',
      JWT_SIG,
    ])
      expect(failing).not.toContain(secret);
    expect(failing).toContain('sendMessage');
  });
});

describe('a short secret (under 6 characters)', () => {
  it('is redacted as a whole word only: the letters of a 2-letter URL password stay inside other words', async () => {
    const answer =
      'about the password ab: abandoned (ab), "ab", pass%3Dab%26, \\u0022ab\\u0022, &#x3d;ab&amp;';
    const rx = await answeringReceiver(401, () => answer);
    const url = new URL(`${rx.origin}/hook`);
    url.username = 'user';
    url.password = 'ab';
    const { logger, readChannels } = await serveAlerted([{ type: 'webhook', url: url.href, retries: 0 }]);
    const [status] = await readChannels();
    const shown =
      'HTTP 401: about the password [redacted]: abandoned ([redacted]), "[redacted]", pass%3D[redacted]%26, ' +
      '\\u0022[redacted]\\u0022, &#x3d;[redacted]&amp;';
    expect(status?.last_error).toBe(shown);
    expect(logger.lines.filter((l) => l.includes('is failing'))[0]).toContain(shown);
  });

  it.each([
    ['about', 'about'],
    ['ab', '[redacted]'],
    ['x-ab-y', 'x-[redacted]-y'],
    ['ab1 1ab cab abc', 'ab1 1ab cab abc'],
    ['%61b', '[redacted]'],
    ['%2561%2562 tab', '[redacted] tab'],
    ['é ab é', 'é [redacted] é'],
    ['éab', 'éab'],
  ])('%s → %s', (text, shown) => {
    expect(redactor(['ab'])(text)).toBe(shown);
  });

  it('is still redacted inside the URL that holds it (the whole URL is a secret)', () => {
    expect(
      redactor(urlSecrets('https://user:ab@h.example/hook'))('GET https://user:ab@h.example/hook about'),
    ).toBe('GET [redacted] about');
  });
});
