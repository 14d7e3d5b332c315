// RT39-5 and RT39-2: the top-level `webhook` option refuses redirects as the channels do (its headers and signed alert
// never reach another origin, a 302 is not a delivery) and refuses a malformed URL without echoing it.

import { afterEach, describe, expect, it } from 'vitest';
import type { AlertEvent } from '../../src/alerts/alert.js';
import { parseWebhookOptions, WebhookChannel } from '../../src/alerts/webhook.js';
import { createMonitor } from '../../src/index.js';
import type { Logger } from '../../src/types.js';
import { alert } from '../channels/alerts.js';
import { type Receiver, startReceiver } from '../channels/receiver.js';

const EVENT: AlertEvent = { type: 'raised', alert: alert('66666666-6666-4666-8666-666666666666') };
const KEY = 'KEY-TOPSECRET';

describe('the `webhook` option and redirects', () => {
  const receivers: Receiver[] = [];
  afterEach(async () => {
    await Promise.all(receivers.splice(0).map((r) => r.close()));
  });

  for (const code of [307, 302, 301, 308]) {
    it(`a ${code} to another origin is a failed attempt: nothing reaches that origin, the failure is logged`, async () => {
      const other = await startReceiver();
      const first = await startReceiver((_req, res) => {
        res.writeHead(code, { location: `${other.origin.replace('127.0.0.1', 'localhost')}/collect` }).end();
        return true;
      });
      receivers.push(other, first);
      const lines: string[] = [];
      const logger: Logger = { warn: (_o, m) => lines.push(m ?? ''), error: (_o, m) => lines.push(m ?? '') };
      const channel = new WebhookChannel({
        url: `${first.origin}/hook`,
        secret: 's3cret',
        headers: { 'x-api-key': KEY },
        retries: 0,
        logger,
      });
      channel.send(EVENT);
      await channel.flush();
      channel.close();
      expect(first.received.map((r) => r.method)).toEqual(['POST']);
      expect(other.received).toEqual([]);
      expect(lines.join('\n')).toContain('unexpected redirect');
    });
  }
});

describe('a malformed `webhook` URL', () => {
  const SECRETS = [
    'hooks.slack.com/services/T0AAA/B0BBB/xoxsecretPath9Q',
    'https//hooks.example.com/sysvitals?token=tok3nSecret',
  ];
  for (const url of SECRETS) {
    it(`is refused with a coded error that does not echo it (${url.slice(0, 12)}…)`, () => {
      for (const options of [url, { url }]) {
        let thrown: unknown;
        try {
          parseWebhookOptions(options);
        } catch (err) {
          thrown = err;
        }
        expect((thrown as { code?: string }).code).toBe('ERR_SYSVITALS_INVALID_OPTION');
        const message = String((thrown as Error).message);
        expect(message).toContain('`webhook.url`');
        expect(message).not.toContain('secret');
        expect(message).not.toContain('Secret');
      }
      expect(() => createMonitor({ sampleIntervalMs: 0, webhook: url })).toThrow(/`webhook\.url`/);
    });
  }
});
