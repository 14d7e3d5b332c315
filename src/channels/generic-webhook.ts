// Generic webhook channel: POSTs each notification as JSON, optionally signed with HMAC-SHA256.

import type { Clock } from '../types.js';
import { httpSend } from './http-send.js';
import { headerSecrets, urlSecrets } from './secret-parts.js';
import { signatureHeaders } from './signature.js';
import type { ChannelSender, CommonChannelOptions } from './types.js';
import { httpUrl, optionalString, stringRecord } from './validate.js';

/** `{ type: 'webhook', url, secret? }`: the body is the Notification (status, alerts, host, …) as JSON. */
export interface WebhookChannelOptions extends CommonChannelOptions {
  type: 'webhook';
  url: string;
  /** Signs each request: `x-sysvitals-signature: sha256=<HMAC of "<timestamp>.<body>">` and `x-sysvitals-timestamp`. */
  secret?: string;
  /** Extra headers (an Authorization header, say); their values are treated as secrets. */
  headers?: Record<string, string>;
}

export const WEBHOOK_KEYS = ['url', 'secret', 'headers'] as const;

export function webhookSender(opts: WebhookChannelOptions, where: string, clock: Clock) {
  const url = httpUrl(opts.url, `${where}.url`);
  const secret = optionalString(opts.secret, `${where}.secret`);
  const headers = stringRecord(opts.headers, `${where}.headers`);
  const sender: ChannelSender = {
    async send(n, ctx) {
      const body = JSON.stringify(n);
      const signed = secret === undefined ? {} : signatureHeaders(secret, body, clock.now());
      await httpSend(
        { url, headers: { 'content-type': 'application/json', ...headers, ...signed }, body },
        ctx,
      );
    },
  };
  return { sender, secrets: [...urlSecrets(url), secret ?? '', ...headerSecrets(headers)] };
}
