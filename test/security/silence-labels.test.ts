// Hunt finding: a silence label named `__proto__` was accepted and silently dropped (assigning a string to
// `__proto__` does nothing), so {"rule":"cpu","labels":{"__proto__":"prod"}} muted every cpu alert while its
// author asked for the prod ones only. Label names starting with `__` are reserved (as in Prometheus): a 400.

import { afterEach, describe, expect, it } from 'vitest';
import { harnesses } from '../adapters/harness.js';
import { startTarget, type Target, TOKEN } from './fixture.js';

const targets: Target[] = [];
afterEach(async () => {
  for (const t of targets.splice(0)) await t.close();
});

const headers = { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' };

for (const harness of harnesses) {
  describe(`reserved silence labels (${harness.name})`, () => {
    it('refuses label names starting with __ and creates nothing; other names keep their label', async () => {
      const t = await startTarget(harness, { api: { adminToken: TOKEN, rateLimit: false } });
      targets.push(t);
      const post = (text: string) => fetch(`${t.base}/silences/`, { method: 'POST', headers, body: text });
      for (const name of ['__proto__', '__name__']) {
        const res = await post(`{"rule":"cpu","labels":{"${name}":"prod"},"duration_ms":60000}`);
        expect(res.status, name).toBe(400);
        expect((await res.json()).error.message).toContain(`label name "${name}" is reserved`);
      }
      const list = await (await fetch(`${t.base}/silences/`, { headers })).json();
      expect(list.data.count).toBe(0);
      const ok = await post('{"rule":"cpu","labels":{"constructor":"prod","_env":"x"},"duration_ms":60000}');
      expect(ok.status).toBe(201);
      expect((await ok.json()).data.labels).toEqual({ constructor: 'prod', _env: 'x' });
    });
  });
}
