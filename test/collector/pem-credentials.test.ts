// PEM private keys in error texts (red team 25, F10): util.inspect prints a long multi-line string as `'…\n' +`
// pieces, one per line, and the body ran past the rule; JSON inside util.inspect and JSON inside JSON double the
// escapes. Oracle: real keys from crypto.generateKeyPairSync (RSA 1024/2048, EC, Ed25519; PKCS#8, PKCS#1, SEC1,
// encrypted with a passphrase) printed by the real util.inspect and JSON.stringify: no line of the key's body
// survives, and the text around it does. A BEGIN line quoted in a diagnostic (no body) keeps the prose after it.
// And the scan stays linear: 100 KB of adversarial text costs a bounded multiple of 100 KB of prose, measured in the
// same run as in cli-credentials-properties.test.ts (a ratio of CPU times, not a time limit).

import { generateKeyPairSync } from 'node:crypto';
import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import { redactCredentials } from '../../src/channels/credentials.js';
import { createMonitor } from '../../src/index.js';
import { costOverProse, fill } from './helpers/redaction-cost.js';
import { staysWhole } from './helpers/redaction-table.js';

type KeyKind = 'rsa' | 'ec' | 'ed25519';
function pem(kind: KeyKind, options: Record<string, unknown>, encoding: Record<string, unknown>): string {
  const { privateKey } = generateKeyPairSync(
    kind as 'rsa',
    {
      ...options,
      privateKeyEncoding: { format: 'pem', ...encoding },
      publicKeyEncoding: { type: 'spki', format: 'pem' },
    } as never,
  ) as unknown as { privateKey: string };
  return privateKey;
}

const secret = { cipher: 'aes-256-cbc', passphrase: 'correct horse' };
const KEYS: [string, string][] = [
  ['RSA 1024 PKCS#8', pem('rsa', { modulusLength: 1024 }, { type: 'pkcs8' })],
  ['RSA 2048 PKCS#1', pem('rsa', { modulusLength: 2048 }, { type: 'pkcs1' })],
  [
    'RSA 1024 PKCS#1 encrypted (Proc-Type, DEK-Info)',
    pem('rsa', { modulusLength: 1024 }, { type: 'pkcs1', ...secret }),
  ],
  ['RSA 1024 PKCS#8 encrypted', pem('rsa', { modulusLength: 1024 }, { type: 'pkcs8', ...secret })],
  ['EC P-256 SEC1', pem('ec', { namedCurve: 'prime256v1' }, { type: 'sec1' })],
  ['EC P-384 PKCS#8', pem('ec', { namedCurve: 'secp384r1' }, { type: 'pkcs8' })],
  ['Ed25519 PKCS#8', pem('ed25519', {}, { type: 'pkcs8' })],
];

/** The key's body lines as the key holds them: every line but the BEGIN, END and header lines. */
function bodyLines(key: string): string[] {
  return key.split('\n').filter((l) => l !== '' && !l.startsWith('-----') && !l.includes(':'));
}

/** The key as error texts print it, with prose before and after. */
function spellings(key: string): [string, string, string[]][] {
  const object = { host: 'api.internal', key, port: 8443 };
  const shown = ["host: 'api.internal'", 'port: 8443'];
  const error = Object.assign(new Error('TLS reload failed'), { key, port: 8443 });
  return [
    ['raw', `reload failed: ${key}then retried`, ['reload failed:', 'then retried']],
    ['CRLF', `reload failed: ${key.replace(/\n/g, '\r\n')}then retried`, ['reload failed:', 'then retried']],
    [
      'util.inspect of an object',
      `TLS reload failed for ${inspect(object)}`,
      ['TLS reload failed for', ...shown],
    ],
    [
      'util.inspect, nested',
      `failed: ${inspect({ tls: { options: object } })} (retrying)`,
      [...shown, '(retrying)'],
    ],
    ['util.inspect, breakLength 40', `failed: ${inspect(object, { breakLength: 40 })}`, shown],
    [
      'util.inspect, breakLength Infinity',
      `failed: ${inspect(object, { breakLength: Number.POSITIVE_INFINITY })}`,
      shown,
    ],
    [
      'util.inspect of an array',
      `spawn args ${inspect(['--key', key, '--port', '8443'])}`,
      ["'--port'", "'8443'"],
    ],
    ['util.inspect of an Error', inspect(error), ['TLS reload failed', 'port: 8443']],
    [
      'JSON.stringify',
      `body ${JSON.stringify(object)} rejected`,
      ['"host":"api.internal"', '"port":8443', 'rejected'],
    ],
    [
      'JSON.stringify twice',
      `body ${JSON.stringify(JSON.stringify(object))} rejected`,
      ['\\"host\\":\\"api.internal\\"', '\\"port\\":8443', 'rejected'],
    ],
    [
      'JSON inside util.inspect',
      `sent ${inspect(JSON.stringify(object))} rejected`,
      ['"port":8443', 'rejected'],
    ],
    [
      'util.inspect inside JSON',
      `log ${JSON.stringify({ msg: inspect(object) })} end`,
      ['port: 8443', 'end'],
    ],
    ['one line with spaces', `key ${key.replace(/\n/g, ' ')}loaded`, ['loaded']],
  ];
}

describe('real PEM private keys in every printed spelling', () => {
  for (const [name, key] of KEYS) {
    const lines = bodyLines(key);
    it.each(spellings(key))(`${name}, %s: no body line survives, the prose around does`, (_, text, kept) => {
      const out = redactCredentials(text);
      expect(lines.length).toBeGreaterThan(0);
      for (const line of lines) expect(out).not.toContain(line);
      for (const prose of kept) expect(out).toContain(prose);
      expect(out).toContain('[redacted]');
    });
  }
  it('a key cut before its END line (after a body line): the lines before the cut go, the next line stays', () => {
    const key = KEYS[0]?.[1] as string;
    const lines = bodyLines(key);
    const cut = key.split('\n').slice(0, 6).join('\n');
    const out = redactCredentials(`TLS reload failed: ${cut}\nthen the watcher stopped`);
    for (const line of lines.slice(0, 5)) expect(out).not.toContain(line);
    expect(out).toBe(`TLS reload failed: ${cut.split('\n')[0]}[redacted]\nthen the watcher stopped`);
    // util.inspect's pieces, cut inside a line (as a length cap does).
    const inspected = inspect({ key }).slice(0, 400);
    const shown = redactCredentials(inspected);
    for (const line of lines) expect(shown).not.toContain(line.slice(0, 16));
    // Cut a few characters into a line, an ellipsis after the cut (as jobs/ and log lines cut).
    const head = inspect({ key });
    const at = head.indexOf(lines[1] as string) + 7;
    const cutShort = redactCredentials(`${head.slice(0, at)}…`);
    expect(cutShort).not.toContain((lines[1] as string).slice(0, 7));
    expect(cutShort).toMatch(/\[redacted\]…$/);
  });
});

describe('a BEGIN line quoted in a diagnostic, with no body after it', () => {
  staysWhole('%s stays whole', [
    'keyfile must start with -----BEGIN RSA PRIVATE KEY----- or -----BEGIN PRIVATE KEY-----. Got: -----BEGIN PUBLIC KEY-----',
    '(-----BEGIN PRIVATE KEY----- missing); check the file',
    'expected -----BEGIN PRIVATE KEY----- got nothing',
    'no -----BEGIN OPENSSH PRIVATE KEY----- line in the file\nnext step: regenerate it',
    "wanted '-----BEGIN EC PRIVATE KEY-----' but read 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIAbc'",
  ]);
});

describe('through the public API: a job failing with util.inspect of its TLS options', () => {
  const silent = {
    info() {},
    debug() {},
    trace() {},
    warn() {},
    error() {},
    fatal() {},
    child: () => silent,
  };
  it.each(KEYS)('%s: jobs/ last_failure.error shows no body line', async (_, key) => {
    const monitor = createMonitor({ logger: silent as never, sampleIntervalMs: 0 });
    try {
      const job = monitor.job('tls_reload', async () => {
        throw new Error(`TLS reload failed for ${inspect({ host: 'api', key })}`);
      });
      await job().catch(() => undefined);
      const error = monitor.jobs.rows()[0]?.last_failure?.error as string;
      expect(error).toContain('TLS reload failed for {');
      expect(error).toContain("host: 'api'");
      for (const line of bodyLines(key)) expect(error).not.toContain(line.slice(0, 16));
    } finally {
      await monitor.close();
    }
  });
});

describe('the PEM scan on adversarial text', () => {
  const line = 'MIICdgIBADANBgkqhkiG9w0BAQEFAASCAmAwggJcAgEAAoGBALKNq7ebAssHRNe6';
  const begin = '-----BEGIN PRIVATE KEY-----';

  it.each([
    ['body lines without END', `${begin}\n${fill(`${line}\n`)}`],
    ['inspect pieces without END', `'${begin}\\n' +\n  '${fill(`${line}\\n' +\n  '`)}`],
    ['doubled escapes without END', `${begin}${fill(`\\\\n${line}`)}`],
    ['many BEGIN lines with a body line', fill(`${begin}\n${line}\n`)],
    ['many BEGIN lines and prose', fill(`${begin} or `)],
    ['many BEGIN lines and short words', fill(`${begin}\na\n`)],
    ['many BEGIN and END lines', fill(`${begin}\n${line}\n-----END PRIVATE KEY-----\n`)],
    ['BEGIN and END words', `${begin}\n${line}\n${fill('-----END ')}`],
    ['one long run of backslashes', `${begin}${fill('\\')}`],
    ['broken inspect joins', `${begin}${fill("' +")}`],
    ['open inspect joins', `${begin}\n${fill(`${line}\\' + \\`)}`],
    ['spaces', `${begin}${fill(' ')}`],
    ['header lines', `${begin}\n${fill('Proc-Type: 4,ENCRYPTED-\n')}`],
    ['one long header', `${begin}\nComment: ${fill('a-')}`],
    ['escaped slashes', `${begin}\n${fill('\\\\\\/')}`],
  ])('%s: 100 KB cost under 20 times as much as 100 KB of prose', (_, text) => {
    expect(costOverProse(text)).toBeLessThan(20);
  });
});
