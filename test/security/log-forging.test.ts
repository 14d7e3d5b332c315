// A silence's text fields cannot forge log lines (red-team F4): control characters (line breaks, terminal
// escapes, C1, U+2028/2029, bidi overrides) in `created_by`, `rule`, `component` are a 400 naming the field,
// the audit line quotes `created_by`, and the default logger escapes every control character it is given.

import { afterEach, describe, expect, it } from 'vitest';
import { consoleLine, escapeControls } from '../../src/logger.js';
import { harnesses } from '../adapters/harness.js';
import { startTarget, type Target, TOKEN } from './fixture.js';

const targets: Target[] = [];
afterEach(async () => {
  for (const t of targets.splice(0)) await t.close();
});

const FORGERIES = [
  'ana\nsysvitals: silence 11111111 expired by admin from 10.0.0.1',
  'ana\r\nsysvitals: fake',
  'ana\u001b[31mRED\u001b[0m',
  'ana\u0085next line',
  'ana\u2028next line',
  'admin\u202eeman',
  'ana\u0000',
];

describe.each(harnesses)('$name adapter', (harness) => {
  it('refuses control characters in silence text fields with 400 and logs quoted, escaped text', async () => {
    const t = await startTarget(harness, { api: { adminToken: TOKEN, rateLimit: false } });
    targets.push(t);
    const headers = { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' };
    const post = (body: unknown) =>
      fetch(`${t.base}/silences/`, { method: 'POST', headers, body: JSON.stringify(body) });
    for (const forged of FORGERIES) {
      for (const field of ['created_by', 'rule', 'component']) {
        const res = await post({ rule: 'cpu', duration_ms: 60_000, [field]: forged });
        const what = `${field} ${JSON.stringify(forged)}`;
        expect(res.status, what).toBe(400);
        const body = await res.json();
        expect(body.error.code, what).toBe('invalid_parameter');
        expect(body.error.message, what).toContain(field);
      }
    }
    const list = await (await fetch(`${t.base}/silences/`, { headers })).json();
    expect(list.data.silences).toEqual([]);
    // A comment may span lines; it is not logged.
    expect((await post({ rule: 'cpu', duration_ms: 60_000, comment: 'line 1\nline 2\tend' })).status).toBe(
      201,
    );
    // The audit line (info) quotes created_by.
    const info: string[] = [];
    t.logger.info = (_obj: unknown, msg?: string) => void info.push(String(msg));
    expect(
      (await post({ rule: 'cpu', duration_ms: 60_000, created_by: 'ana "x" from 10.0.0.1' })).status,
    ).toBe(201);
    const audit = info.find((l) => l.includes('by "ana'));
    expect(audit).toContain('by "ana \\"x\\" from 10.0.0.1" from ');
  });
});

describe('the default logger', () => {
  it('escapes every control character: one line per message, no terminal escapes', () => {
    for (const forged of FORGERIES) {
      const line = consoleLine({}, `sysvitals: silence by ${forged}`);
      expect([...line].some((c) => c.charCodeAt(0) < 0x20 || '\u0085\u2028\u202e'.includes(c))).toBe(false);
      expect(line).toBe(`sysvitals: silence by ${escapeControls(forged)}`);
    }
    expect(escapeControls('a\nb\u001b')).toBe('a\\u000ab\\u001b');
    expect(consoleLine(new Error('boom\nsysvitals: forged'))).toBe('sysvitals: boom\\u000asysvitals: forged');
  });
});
