// Review finding 2: a silence body giving a key twice was accepted. JSON.parse keeps the last value while a
// proxy or WAF in front may have checked the first ({"rule":"cpu","rule":"disk"} passed as cpu, applied as disk),
// so such a body is a 400 naming the key, at any depth and however the key is escaped; invalid UTF-8 likewise.

import { request } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { harnesses } from '../adapters/harness.js';
import { startTarget, type Target, TOKEN } from './fixture.js';

const targets: Target[] = [];
afterEach(async () => {
  for (const t of targets.splice(0)) await t.close();
});

const headers = { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' };

/** POSTs raw bytes (fetch would re-encode a string; invalid UTF-8 must reach the server as sent). */
function post(url: string, body: Buffer): Promise<{ status: number; body: { error?: { message: string } } }> {
  return new Promise((resolve, reject) => {
    const r = request(
      url,
      { method: 'POST', headers: { ...headers, 'content-length': body.length } },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => {
          text += c;
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(text) }));
      },
    );
    r.on('error', reject);
    r.end(body);
  });
}

for (const harness of harnesses) {
  describe(`duplicate JSON keys (${harness.name})`, () => {
    it('refuses a body that gives a key twice (nested, escaped) or is not UTF-8, and creates nothing', async () => {
      const t = await startTarget(harness, { api: { adminToken: TOKEN, rateLimit: false } });
      targets.push(t);
      const url = `${t.base}/silences/`;
      const refused: Array<[string, string]> = [
        ['{"rule":"cpu","rule":"disk","duration_ms":60000}', '"rule"'],
        ['{"rule":"cpu","\\u0072ule":"disk","duration_ms":60000}', '"rule"'],
        ['{"rule":"cpu","labels":{"env":"prod","env":"dev"},"duration_ms":60000}', '"labels.env"'],
        [
          '{"rule":"cpu","labels":{"env":"prod","\\u0065\\u006e\\u0076":"dev"},"duration_ms":60000}',
          '"labels.env"',
        ],
        ['{"rule":"cpu","duration_ms":60000,"duration_ms":1000}', '"duration_ms"'],
      ];
      for (const [text, key] of refused) {
        const res = await post(url, Buffer.from(text));
        expect(res.status, text).toBe(400);
        expect(res.body.error?.message, text).toContain(`the body gives the key ${key} twice`);
      }
      // "comment":"caf\xE9" in Latin-1: U+FFFD for one reader, another character for the next.
      const latin1 = Buffer.from('{"rule":"cpu","duration_ms":60000,"comment":"caf\xe9"}', 'latin1');
      const notUtf8 = await post(url, latin1);
      expect(notUtf8.status).toBe(400);
      expect(notUtf8.body.error?.message).toBe('the body is not valid UTF-8');
      const list = await (await fetch(url, { headers })).json();
      expect(list.data.count).toBe(0);

      // The same keys in different objects, and escapes that decode to different keys, are fine.
      const ok = await post(
        url,
        Buffer.from(
          '{"rule":"cpu","labels":{"rule":"x","\\u0065nv":"prod"},"comment":"\\u00e9","duration_ms":60000}',
        ),
      );
      expect(ok.status).toBe(201);
    });
  });
}
