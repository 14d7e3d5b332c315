// SMS channels: Twilio's Messages API and a generic HTTP SMS gateway with a body template; short text, critical only by default.

import { invalidOption } from '../errors.js';
import { valueText } from './format.js';
import { fitSms } from './gsm7.js';
import { httpSend } from './http-send.js';
import { headerSecrets, urlSecrets } from './secret-parts.js';
import { checkGatewayText } from './setup-checks.js';
import { PLACEHOLDER, queryTemplateSecrets, recipientMasks, templateSecrets } from './template-secrets.js';
import type { ChannelSender, CommonChannelOptions, Notification, SendContext } from './types.js';
import { httpUrl, integer, nonEmptyString, optionalString, stringList, stringRecord } from './validate.js';

/** `{ type: 'twilio', accountSid, authToken, from, to }`: POST …/Accounts/{sid}/Messages.json per recipient. */
export interface TwilioChannelOptions extends CommonChannelOptions {
  type: 'twilio';
  /** `AC…` */
  accountSid: string;
  /** The account's auth token (a secret). */
  authToken: string;
  /** A Twilio number in E.164 (`+15005550006`); or give `messagingServiceSid`. */
  from?: string;
  /** `MG…`, instead of `from`. */
  messagingServiceSid?: string;
  /** Recipients in E.164. */
  to: string | string[];
  /** Longest text sent, in GSM-7 characters (70 when the text holds others: UCS-2). @defaultValue 160 (one GSM-7 segment) */
  maxLength?: number;
  /** @defaultValue 'https://api.twilio.com' */
  apiUrl?: string;
}

/**
 * `{ type: 'sms-gateway', url, to, body }`: one request per recipient to any HTTP SMS API. `{{to}}`
 * and `{{text}}` in `url` and `body` are replaced, escaped for where they stand (URL-encoded in the
 * URL and in form bodies, JSON-escaped in JSON bodies). Every other value written in `body` and in the URL's
 * query is treated as a secret, and the recipients' numbers are shown masked (`+44…89`) in errors and logs.
 */
export interface SmsGatewayChannelOptions extends CommonChannelOptions {
  type: 'sms-gateway';
  url: string;
  to: string | string[];
  /** @defaultValue 'POST' */
  method?: 'POST' | 'PUT' | 'GET';
  /** @defaultValue '{"to":"{{to}}","text":"{{text}}"}' */
  body?: string;
  /** @defaultValue 'application/json' */
  contentType?: string;
  /** An API key header, say; values are treated as secrets. */
  headers?: Record<string, string>;
  /** @defaultValue 160 */
  maxLength?: number;
}

export const TWILIO_KEYS = [
  'accountSid',
  'authToken',
  'from',
  'messagingServiceSid',
  'to',
  'maxLength',
  'apiUrl',
] as const;
export const SMS_GATEWAY_KEYS = [
  'url',
  'to',
  'method',
  'body',
  'contentType',
  'headers',
  'maxLength',
] as const;

/**
 * `FIRING web-1: cpu critical 97.2%; disk warning 91%`, cut (with `...`) to be billed no more segments than
 * `max` GSM-7 characters: 70 characters when it holds one outside GSM-7 (gsm7.ts).
 */
export function smsText(n: Notification, max = 160): string {
  const state = n.status === 'resolved' ? 'RESOLVED' : 'FIRING';
  const parts = n.alerts.map((a) =>
    n.status === 'resolved' ? `${a.rule} ok` : `${a.rule} ${a.severity} ${valueText(a)}`,
  );
  return fitSms(`${state} ${n.host}: ${parts.join('; ')}`, max);
}

/**
 * Sends to each recipient once per notification: on a retry, recipients already served are skipped
 * (a WeakMap, so a delivered notification leaves nothing behind).
 */
function perRecipient(
  to: string[],
  sendOne: (recipient: string, n: Notification, ctx: SendContext) => Promise<void>,
): ChannelSender {
  const done = new WeakMap<Notification, Set<string>>();
  return {
    async send(n, ctx) {
      let served = done.get(n);
      if (!served) {
        served = new Set();
        done.set(n, served);
      }
      for (const recipient of to) {
        if (served.has(recipient)) continue;
        await sendOne(recipient, n, ctx);
        served.add(recipient);
      }
    },
  };
}

export function twilioSender(opts: TwilioChannelOptions, where: string) {
  const sid = nonEmptyString(opts.accountSid, `${where}.accountSid`);
  if (!/^AC[0-9a-fA-F]{32}$/.test(sid)) {
    throw invalidOption(`sysvitals: \`${where}.accountSid\` must be AC followed by 32 hex digits.`);
  }
  const token = nonEmptyString(opts.authToken, `${where}.authToken`);
  const from = optionalString(opts.from, `${where}.from`);
  const service = optionalString(opts.messagingServiceSid, `${where}.messagingServiceSid`);
  if ((from === undefined) === (service === undefined)) {
    throw invalidOption(`sysvitals: \`${where}\` needs exactly one of \`from\` and \`messagingServiceSid\`.`);
  }
  const to = stringList(opts.to, `${where}.to`);
  const max = integer(opts.maxLength, `${where}.maxLength`, 20, 1600, 160);
  const api = httpUrl(opts.apiUrl ?? 'https://api.twilio.com', `${where}.apiUrl`).replace(/\/$/, '');
  const url = `${api}/2010-04-01/Accounts/${sid}/Messages.json`;
  const authorization = `Basic ${Buffer.from(`${sid}:${token}`).toString('base64')}`;
  const sender = perRecipient(to, async (recipient, n, ctx) => {
    const form = new URLSearchParams({ To: recipient, Body: smsText(n, max) });
    if (from !== undefined) form.set('From', from);
    else form.set('MessagingServiceSid', service as string);
    await httpSend(
      {
        url,
        headers: { authorization, 'content-type': 'application/x-www-form-urlencoded' },
        body: form.toString(),
      },
      ctx,
    );
  });
  // A recipient's number is personal data: shown masked (`+15…01`) where an error answer echoes it.
  return { sender, secrets: [token, authorization.slice('Basic '.length)], masked: recipientMasks(to) };
}

type Escape = (value: string) => string;
const ESCAPES: Record<string, Escape> = {
  json: (v) => JSON.stringify(v).slice(1, -1),
  form: (v) => encodeURIComponent(v),
  text: (v) => v,
};

function fill(template: string, values: Record<string, string>, esc: Escape): string {
  return template.replace(PLACEHOLDER, (_m, key: string) => esc(values[key] ?? ''));
}

export function smsGatewaySender(opts: SmsGatewayChannelOptions, where: string) {
  const urlTemplate = nonEmptyString(opts.url, `${where}.url`);
  httpUrl(urlTemplate.replace(PLACEHOLDER, 'x'), `${where}.url`);
  const to = stringList(opts.to, `${where}.to`);
  const method = opts.method ?? 'POST';
  if (!['POST', 'PUT', 'GET'].includes(method)) {
    throw invalidOption(`sysvitals: \`${where}.method\` must be POST, PUT or GET.`);
  }
  const contentType = optionalString(opts.contentType, `${where}.contentType`) ?? 'application/json';
  const template = opts.body ?? '{"to":"{{to}}","text":"{{text}}"}';
  if (typeof template !== 'string') throw invalidOption(`sysvitals: \`${where}.body\` must be a string.`);
  checkGatewayText(urlTemplate, template, method, where);
  const headers = stringRecord(opts.headers, `${where}.headers`);
  const max = integer(opts.maxLength, `${where}.maxLength`, 20, 1600, 160);
  const escapeBody = contentType.includes('json')
    ? ESCAPES.json!
    : contentType.includes('x-www-form-urlencoded')
      ? ESCAPES.form!
      : ESCAPES.text!;
  const sender = perRecipient(to, async (recipient, n, ctx) => {
    const values = { to: recipient, text: smsText(n, max) };
    const url = fill(urlTemplate, values, ESCAPES.form!);
    await httpSend(
      method === 'GET'
        ? { url, method, headers }
        : {
            url,
            method,
            headers: { 'content-type': contentType, ...headers },
            body: fill(template, values, escapeBody),
          },
      ctx,
    );
  });
  // An API key in the gateway URL is a secret too (the text part varies and is left out).
  const urlParts = to.flatMap((recipient) =>
    urlSecrets(fill(urlTemplate, { to: recipient, text: '' }, ESCAPES.form!)),
  );
  // Every literal of the body template and of the URL's query (a gateway echoes the request it refuses).
  const literals = [...templateSecrets(template), ...queryTemplateSecrets(urlTemplate)];
  return {
    sender,
    secrets: [...urlParts, ...literals, ...headerSecrets(headers)],
    masked: recipientMasks(to),
  };
}
