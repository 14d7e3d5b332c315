// Outside review 46, RT46-10: a Telegram bot token in an error text (node-fetch's `request to
// https://api.telegram.org/bot<id>:<token>/getUpdates failed`, a bot library's `401 (bot <id>:<token>)`) was shown
// whole in jobs/, a probe's error, health/, alert messages and log lines; next to the word `token` only the bot's
// public id went. The oracle: the Bot API's token shape (`<bot id>:<token>`, 35 characters in today's tokens, the
// docs' example `123456:ABC-DEF1234ghIkl-zyx57W2v1u123ew11`): the token never appears in what is shown; texts with a
// number and a colon that are no token (stack frames, times, ports, 35 lower-case letters) stay as they are.

import { describe, expect, it } from 'vitest';
import { redactCredentials } from '../../src/channels/credentials.js';
import { createMonitor } from '../../src/index.js';
import { staysWhole } from './helpers/redaction-table.js';

const TOKEN = 'AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw1';
const DOCS_TOKEN = 'ABC-DEF1234ghIkl-zyx57W2v1u123ew11';

describe('Telegram bot tokens in error texts', () => {
  it.each([
    [`GET https://api.telegram.org/bot123456789:${TOKEN}/sendMessage failed: 401`, 'bot123456789:'],
    [
      `FetchError: request to https://api.telegram.org/bot5012345678:${TOKEN}/getUpdates failed, reason: ETIMEDOUT`,
      'bot5012345678:',
    ],
    [`https://api.telegram.org/bot123456:${DOCS_TOKEN}/getMe`, 'bot123456:'],
    [`Error: ETELEGRAM: 401 Unauthorized (bot 5012345678:${TOKEN})`, 'ETELEGRAM: 401 Unauthorized (bot '],
    [`bot token 5012345678:${TOKEN} rejected`, 'rejected'],
    [`token: 5012345678:${TOKEN}`, 'token: '],
    [`{"bot":"5012345678:${TOKEN}"}`, '{"bot":"'],
    // Outside review 48, RT48-2: the docs' 34-character token after `bot `, and a percent-encoded `:`.
    [`Error: ETELEGRAM: 401 Unauthorized (bot 123456:${DOCS_TOKEN})`, '(bot 123456:'],
    [`GET https://api.telegram.org/bot123456%3A${DOCS_TOKEN}/getMe failed`, 'bot123456%3A'],
    [`request to https://api.telegram.org/bot5012345678%3a${TOKEN}/getUpdates`, 'bot5012345678%3a'],
  ])('%s: the token goes', (text, kept) => {
    const shown = redactCredentials(text);
    expect(shown).not.toContain(TOKEN);
    expect(shown).not.toContain(DOCS_TOKEN);
    expect(shown).not.toContain('AAHdq');
    expect(shown).toContain(kept);
    expect(shown).toContain('[redacted]');
  });

  staysWhole('%s: no token, unchanged', [
    'at handler (/app/src/server.js:123:45)',
    'GET /v1/items at 12:30:45.123 took 35 ms',
    'connect ECONNREFUSED 127.0.0.1:6379',
    'order 123456:abcdefghijklmnopqrstuvwxyzabcdefghi shipped',
    'row 42:column_name_that_is_rather_long_indeed failed',
    'job 20260101:nightly-report-generation-for-all-tenants done',
  ]);

  it("a failing job's captured error: jobs/ shows no token", async () => {
    const monitor = createMonitor({
      sampleIntervalMs: 0,
      logger: { warn() {}, error() {}, info() {}, debug() {} },
    });
    try {
      const job = monitor.job('telegram', () => {
        throw new Error(
          `FetchError: request to https://api.telegram.org/bot5012345678:${TOKEN}/getUpdates failed, reason: ETIMEDOUT`,
        );
      });
      expect(() => job()).toThrow();
      const row = monitor.jobs.rows().find((r) => r.name === 'telegram');
      const shown = JSON.stringify(row);
      expect(shown).not.toContain(TOKEN);
      expect(shown).toContain('api.telegram.org/bot5012345678:[redacted]/getUpdates');
    } finally {
      await monitor.close();
    }
  });
});
