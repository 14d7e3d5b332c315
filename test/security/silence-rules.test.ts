// Review finding: a silence naming a rule that does not exist was accepted (201). `rule` matches by equality,
// so a typo silenced nothing while its author believed the alert muted. Such a silence is a 400 naming the
// unknown rule and listing the known ones (built-in rules and the configured `alerts.rules`), on every adapter.

import { afterEach, describe, expect, it } from 'vitest';
import { ALERT_RULE_NAMES } from '../../src/alerts/rules.js';
import { harnesses } from '../adapters/harness.js';
import { startTarget, type Target, TOKEN } from './fixture.js';

const targets: Target[] = [];
afterEach(async () => {
  for (const t of targets.splice(0)) await t.close();
});

const headers = { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' };

for (const harness of harnesses) {
  describe(`silences for unknown rules (${harness.name})`, () => {
    it('refuses a rule name no rule has with a 400 that names it and lists the known rules, changing nothing', async () => {
      const t = await startTarget(harness, {
        api: { adminToken: TOKEN, rateLimit: false },
        monitor: { alerts: { rules: [{ name: 'backlog', metric: 'custom.queue_depth', warning: 100 }] } },
      });
      targets.push(t);
      const post = async (body: unknown) => {
        const res = await fetch(`${t.base}/silences/`, {
          method: 'POST',
          headers,
          body: JSON.stringify(body),
        });
        return { status: res.status, body: await res.json() };
      };
      const typo = await post({ rule: 'cpu_usage', duration_ms: 60_000 });
      expect(typo.status).toBe(400);
      expect(typo.body.error.code).toBe('invalid_parameter');
      const message: string = typo.body.error.message;
      expect(message).toContain('unknown rule "cpu_usage"');
      expect(message).toContain('Did you mean `cpu`?');
      // Every known rule is listed: the built-in ones and the configured metric rule.
      const listed = message.slice(message.indexOf('Known rules: ') + 'Known rules: '.length).split(', ');
      expect(listed.sort()).toEqual([...ALERT_RULE_NAMES, 'backlog'].sort());
      // Also with labels beside it: the rule matcher alone already matches nothing.
      expect((await post({ rule: 'Memory', labels: { env: 'prod' }, duration_ms: 60_000 })).status).toBe(400);
      const list = await (await fetch(`${t.base}/silences/`, { headers })).json();
      expect(list.data.count).toBe(0);

      // Known names are accepted: a built-in rule, an analytics rule, the configured metric rule, and
      // silences without a rule (component and labels are not checked: labels are free-form).
      for (const body of [
        { rule: 'cpu' },
        { rule: 'memory_leak' },
        { rule: 'backlog' },
        { component: 'disk' },
        { labels: { env: 'prod' } },
      ]) {
        const created = await post({ ...body, duration_ms: 60_000 });
        expect(created.status, JSON.stringify(body)).toBe(201);
      }
    });
  });
}
