// Email channel: one message per group through SMTP with nodemailer (an optional peer), text and HTML bodies.

import { createRequire } from 'node:module';
import { invalidOption, SysvitalsError } from '../errors.js';
import { colorOf, escapeHtml, plainText, resolvedText, thresholdText, titleOf, valueText } from './format.js';
import { checkEmailRecipients } from './setup-checks.js';
import type { ChannelSender, CommonChannelOptions, Notification } from './types.js';
import { isObject, nonEmptyString, optionalString, stringList } from './validate.js';

/** `{ type: 'email', smtp: 'smtps://user:pass@smtp.example.com', from, to }`. */
export interface EmailChannelOptions extends CommonChannelOptions {
  type: 'email';
  /** nodemailer SMTP transport options or an `smtp(s)://user:pass@host:port` URL (a secret). */
  smtp: string | Record<string, unknown>;
  /** Sender, e.g. `'sysvitals <alerts@example.com>'`. */
  from: string;
  /** One or more recipients. */
  to: string | string[];
  /** Put before every subject. @defaultValue '[sysvitals]' */
  subjectPrefix?: string;
}

export const EMAIL_KEYS = ['smtp', 'from', 'to', 'subjectPrefix'] as const;

interface Transporter {
  sendMail(message: Record<string, unknown>): Promise<unknown>;
  close(): void;
}

/** nodemailer is an optional peer: loaded when an email channel is configured, with an install hint when absent. */
function loadNodemailer(): { createTransport(options: unknown): Transporter } {
  try {
    const load = createRequire(typeof __filename === 'string' ? __filename : import.meta.url);
    return load('nodemailer') as { createTransport(options: unknown): Transporter };
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'MODULE_NOT_FOUND') {
      throw new SysvitalsError(
        'ERR_SYSVITALS_MISSING_PEER',
        'sysvitals: an `email` channel needs the `nodemailer` package, an optional peer dependency: run `npm install nodemailer`.',
      );
    }
    throw err;
  }
}

/** The HTML body: a coloured heading, one table row per alert, the dashboard link. */
export function emailHtml(n: Notification): string {
  const rows = n.alerts
    .map(
      (a) =>
        `<tr><td>${escapeHtml(n.status === 'resolved' ? 'resolved' : a.severity)}</td><td>${escapeHtml(a.rule)}</td>` +
        `<td>${escapeHtml(a.component)}</td><td>${escapeHtml(n.status === 'resolved' ? resolvedText(a) : a.message)}</td><td>${escapeHtml(valueText(a))}</td>` +
        `<td>${escapeHtml(thresholdText(a))}</td><td>${escapeHtml(a.timestamp)}</td></tr>`,
    )
    .join('\n');
  const link = n.dashboard_url
    ? `<p><a href="${escapeHtml(n.dashboard_url)}">Open the dashboard</a></p>`
    : '';
  return [
    '<!doctype html><html><body style="font-family:sans-serif">',
    `<h2 style="color:${colorOf(n)}">${escapeHtml(titleOf(n))}</h2>`,
    '<table cellpadding="4" border="1" style="border-collapse:collapse">',
    '<tr><th>Severity</th><th>Rule</th><th>Component</th><th>Message</th><th>Value</th><th>Threshold</th><th>Since</th></tr>',
    rows,
    '</table>',
    `<p>Host ${escapeHtml(n.host)}, instance ${escapeHtml(n.instance)}, ${escapeHtml(n.timestamp)}</p>`,
    link,
    '</body></html>',
  ].join('\n');
}

export function emailSender(opts: EmailChannelOptions, where: string, timeoutMs: number) {
  const from = nonEmptyString(opts.from, `${where}.from`);
  const to = stringList(opts.to, `${where}.to`);
  checkEmailRecipients(to, where);
  const prefix = opts.subjectPrefix === undefined ? '[sysvitals]' : opts.subjectPrefix;
  if (typeof prefix !== 'string')
    throw invalidOption(`sysvitals: \`${where}.subjectPrefix\` must be a string.`);
  const secrets: string[] = [];
  let transportOptions: unknown;
  if (typeof opts.smtp === 'string') {
    nonEmptyString(opts.smtp, `${where}.smtp`);
    secrets.push(opts.smtp);
    const bad = () =>
      invalidOption(
        `sysvitals: \`${where}.smtp\` must be an smtp:// or smtps:// URL with a host (smtps://user:pass@smtp.example.com:465) or an options object.`,
      );
    // nodemailer takes only smtp(s)://host URLs: a missing scheme ('user:pass@host:465' parses as scheme 'user:')
    // threw a TypeError carrying the whole string, and 'smtps:/host' (one slash) has no host, so mail went to localhost.
    if (!/^smtps?:\/\/[^/?#]/i.test(opts.smtp)) throw bad();
    let url: URL;
    try {
      url = new URL(opts.smtp);
    } catch {
      throw bad();
    }
    if (url.hostname === '') throw bad();
    try {
      if (url.password) secrets.push(decodeURIComponent(url.password));
    } catch {
      secrets.push(url.password);
    }
    transportOptions = opts.smtp;
  } else if (isObject(opts.smtp)) {
    const auth = opts.smtp.auth as { pass?: unknown; accessToken?: unknown } | undefined;
    for (const s of [auth?.pass, auth?.accessToken]) if (typeof s === 'string') secrets.push(s);
    // nodemailer waits minutes by default; keep each stage within the send timeout.
    transportOptions = {
      connectionTimeout: timeoutMs,
      greetingTimeout: timeoutMs,
      socketTimeout: timeoutMs,
      ...opts.smtp,
    };
  } else {
    throw invalidOption(`sysvitals: \`${where}.smtp\` must be an smtp:// URL or nodemailer SMTP options.`);
  }
  optionalString(prefix === '' ? undefined : prefix, `${where}.subjectPrefix`);
  const transport = loadNodemailer().createTransport(transportOptions);
  const sender: ChannelSender = {
    async send(n) {
      await transport.sendMail({
        from,
        to,
        subject: `${prefix ? `${prefix} ` : ''}${titleOf(n)}`,
        text: plainText(n),
        html: emailHtml(n),
        headers: { 'X-Sysvitals-Status': n.status, 'X-Sysvitals-Group': n.group_key },
      });
    },
    close() {
      transport.close();
    },
  };
  return { sender, secrets };
}
