// PEM private keys printed as the list of their lines joined by a short non-base64 text (red team 28, RT28-9):
// `new Error(lines)`, `String(lines)` and a template literal join with `,`; code and HTML join with `;`, `|`, `<br>`.
// Oracle: real keys from crypto.generateKeyPairSync (RSA 2048, EC P-256, Ed25519; PKCS#8, PKCS#1, SEC1) split at
// their line breaks by JavaScript itself: no body line survives in jobs/, health/, the webhook, metrics/ or the
// log, and the text around the key does. Prose naming a BEGIN line with no body stays whole. The scan stays linear
// on these joins (a ratio of CPU times against prose of the same size, as in pem-credentials.test.ts).

import { generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { redactCredentials } from '../../src/channels/credentials.js';
import { createMonitor } from '../../src/index.js';
import { errorSurfaces } from './error-surfaces.js';
import { costOverProse, fill } from './helpers/redaction-cost.js';
import { staysWhole } from './helpers/redaction-table.js';

function pem(kind: 'rsa' | 'ec' | 'ed25519', options: Record<string, unknown>, type: string): string {
  const { privateKey } = generateKeyPairSync(
    kind as 'rsa',
    {
      ...options,
      privateKeyEncoding: { format: 'pem', type },
      publicKeyEncoding: { type: 'spki', format: 'pem' },
    } as never,
  ) as unknown as { privateKey: string };
  return privateKey;
}

const KEYS: [string, string][] = [
  ['RSA 2048 PKCS#8', pem('rsa', { modulusLength: 2048 }, 'pkcs8')],
  ['RSA 2048 PKCS#1', pem('rsa', { modulusLength: 2048 }, 'pkcs1')],
  ['EC P-256 PKCS#8', pem('ec', { namedCurve: 'prime256v1' }, 'pkcs8')],
  ['EC P-256 SEC1', pem('ec', { namedCurve: 'prime256v1' }, 'sec1')],
  ['Ed25519 PKCS#8', pem('ed25519', {}, 'pkcs8')],
];

/** The key's body lines: every line but the BEGIN and END lines. */
function bodyLines(key: string): string[] {
  return key.split('\n').filter((l) => l !== '' && !l.startsWith('-----'));
}

/** The key's lines joined as JavaScript and common code print them. */
function joined(key: string): [string, string][] {
  const lines = key.split('\n');
  return [
    ['new Error(lines).message', new Error(lines as never).message],
    ['String(lines)', String(lines)],
    ['template literal', `${lines}`],
    ["join(', ')", lines.join(', ')],
    ["join(';')", lines.join(';')],
    ["join('|')", lines.join('|')],
    ["join(' | ')", lines.join(' | ')],
    ["join('<br>')", lines.join('<br>')],
    ["join('<br />')", lines.join('<br />')],
    ['join(\'", "\')', `["${lines.join('", "')}"]`],
  ];
}

describe('a real key joined by a short non-base64 separator', () => {
  for (const [name, key] of KEYS) {
    it.each(joined(key))(`${name}, %s: no body line survives, the prose around does`, (_, text) => {
      const out = redactCredentials(`TLS reload failed: ${text} (retrying in 5 s)`);
      for (const line of bodyLines(key)) expect(out).not.toContain(line);
      expect(out).toContain('TLS reload failed: ');
      expect(out).toContain(' (retrying in 5 s)');
      expect(out).toMatch(/-----BEGIN [A-Z ]*PRIVATE KEY-----\[redacted\]-----END [A-Z ]*PRIVATE KEY-----/);
    });
  }
  it('a comma-joined key cut before its END line: the base64 run goes', () => {
    const key = KEYS[0]?.[1] as string;
    const lines = key.split('\n');
    const out = redactCredentials(`failed: ${lines.slice(0, 8).join(',')}`);
    expect(out).toBe(`failed: ${lines[0]}[redacted]`);
  });
});

describe('every error surface: jobs/, health/, the webhook', () => {
  for (const [i, [name, key]] of KEYS.entries()) {
    const forms = joined(key);
    const picked = [forms[0], forms[1 + (i % (forms.length - 1))]] as [string, string][];
    it.each(picked)(`${name}, %s`, async (_, text) => {
      const { jobError, health, sent, bodies } = await errorSurfaces(text);
      expect(jobError).toContain('[redacted]');
      expect(sent.length).toBeGreaterThan(0);
      for (const shown of [jobError, health, ...sent, ...bodies]) {
        for (const line of bodyLines(key)) expect(shown).not.toContain(line.slice(0, 16));
      }
    });
  }
});

describe('a plugin failing with new Error(lines): metrics/, health/ and the log', () => {
  it.each(KEYS)('%s', async (_, key) => {
    const logged: string[] = [];
    const log = (...args: unknown[]) => {
      logged.push(args.map((a) => (typeof a === 'string' ? a : JSON.stringify(a))).join(' '));
    };
    const logger = {
      info: log,
      debug: log,
      trace: log,
      warn: log,
      error: log,
      fatal: log,
      child: () => logger,
    };
    const monitor = createMonitor({
      logger: logger as never,
      sampleIntervalMs: 0,
      collectors: [
        {
          name: 'tls',
          collect: () => {
            throw new Error(key.split('\n') as never);
          },
        },
      ],
    });
    try {
      await monitor.sample();
      const metrics = JSON.stringify(await monitor.getMetrics());
      const health = JSON.stringify(await monitor.getHealth({ detailed: true }));
      expect(metrics).toContain('[redacted]');
      expect(logged.join('\n')).toContain('[redacted]');
      for (const shown of [metrics, health, ...logged]) {
        for (const line of bodyLines(key)) expect(shown).not.toContain(line.slice(0, 16));
      }
    } finally {
      await monitor.close();
    }
  });
});

describe('prose naming a BEGIN line with short joins, no body', () => {
  staysWhole('%s stays whole', [
    'expected -----BEGIN PRIVATE KEY-----; got: nothing | retry later',
    'accepted: -----BEGIN PRIVATE KEY-----, -----BEGIN RSA PRIVATE KEY-----; none found in /etc/tls',
    'key must start with -----BEGIN EC PRIVATE KEY-----<br>see the docs | status: failed',
    '(-----BEGIN PRIVATE KEY----- missing); check the file, then retry',
  ]);
});

describe('the PEM scan on short joins', () => {
  const line = 'MIICdgIBADANBgkqhkiG9w0BAQEFAASCAmAwggJcAgEAAoGBALKNq7ebAssHRNe6';
  const begin = '-----BEGIN PRIVATE KEY-----';
  const shapes: [string, (size: number) => string][] = [
    ['comma-joined lines without END', (n) => `${begin},${fill(`${line},`, n)}`],
    ['<br>-joined lines without END', (n) => `${begin}<br>${fill(`${line}<br>`, n)}`],
    ['" | "-joined short words', (n) => `${begin}${fill(' | a', n)}`],
    ['long non-base64 runs', (n) => `${begin}${fill(';;;;;;;;;;;;a', n)}`],
    ['many BEGIN lines, comma-joined', (n) => fill(`${begin},${line},`, n)],
    ['many BEGIN and END lines, <br>', (n) => fill(`${begin}<br>${line}<br>-----END PRIVATE KEY-----;`, n)],
    ['open <br tags', (n) => `${begin}${fill('<br <br ', n)}`],
  ];
  for (const [name, shape] of shapes) {
    it.each([20_000, 40_000, 100_000])(`${name}, %d characters: under 20 times the cost of prose`, (size) => {
      expect(costOverProse(shape(size))).toBeLessThan(20);
    });
  }
});
