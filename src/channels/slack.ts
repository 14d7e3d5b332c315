// Slack channel: Block Kit messages through an incoming webhook, or chat.postMessage with a bot token (threads resolved notices).

import { invalidOption } from '../errors.js';
import {
  bySeverity,
  colorOf,
  noReading,
  resolvedText,
  thresholdText,
  titleOf,
  truncate,
  valueText,
} from './format.js';
import { DeliveryError, postJson } from './http-send.js';
import { urlSecrets } from './secret-parts.js';
import type { ChannelSender, CommonChannelOptions, Notification, NotifiedAlert } from './types.js';
import { httpUrl, optionalString } from './validate.js';

/**
 * `{ type: 'slack', webhookUrl }` posts to an incoming webhook. Incoming webhooks cannot reply in a
 * thread, so a resolved notice is a new message. `{ type: 'slack', botToken, channel }` uses
 * chat.postMessage instead and posts the resolved notice in the firing message's thread.
 */
export interface SlackChannelOptions extends CommonChannelOptions {
  type: 'slack';
  /** `https://hooks.slack.com/services/T…/B…/…` (a secret). */
  webhookUrl?: string;
  /** A bot token (`xoxb-…`, scope `chat:write`) for chat.postMessage; needs `channel`. */
  botToken?: string;
  /** Channel id or name for chat.postMessage, e.g. `C0123456789` or `#ops`. */
  channel?: string;
  /** The Web API base. @defaultValue 'https://slack.com/api' */
  apiUrl?: string;
}

export const SLACK_KEYS = ['webhookUrl', 'botToken', 'channel', 'apiUrl'] as const;

/** Alerts shown in one message; Slack allows 50 blocks per message and 50 per attachment. */
const MAX_ALERTS = 20;
/** Thread timestamps remembered for resolved notices. */
const MAX_THREADS = 1000;
/** chat.postMessage errors worth another attempt. */
const RETRYABLE = new Set([
  'ratelimited',
  'internal_error',
  'fatal_error',
  'service_unavailable',
  'request_timeout',
]);

/** `&`, `<` and `>` are control characters in Slack mrkdwn and plain text. */
function esc(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** A section field (Slack: ≤ 2000 characters): the value cut before escaping, which may make it 5 times longer. */
function field(label: string, value: string): Record<string, unknown> {
  return { type: 'mrkdwn', text: `*${label}*\n${esc(truncate(value, 390))}` };
}

function alertBlock(a: NotifiedAlert, n: Notification): Record<string, unknown> {
  const head =
    n.status === 'resolved'
      ? `:white_check_mark: *${esc(a.rule)}* resolved, ${esc(resolvedText(a))}`
      : `${a.severity === 'critical' ? ':red_circle:' : ':large_orange_circle:'} *${esc(a.rule)}* ${a.severity}: ${esc(a.message)}`;
  return {
    type: 'section',
    text: { type: 'mrkdwn', text: truncate(head, 3000) },
    fields: [
      field(n.status !== 'resolved' ? 'Value' : noReading(a) ? 'Last read' : 'Now', valueText(a)),
      field('Threshold', thresholdText(a)),
      field('Component', a.component),
      n.status === 'resolved' ? field('Lasted', `${a.duration_seconds} s`) : field('Since', a.timestamp),
    ],
  };
}

/** The Block Kit message: a header, then a coloured attachment holding one section per alert. */
export function slackMessage(n: Notification): Record<string, unknown> {
  const title = titleOf(n);
  const shown = bySeverity(n.alerts).slice(0, MAX_ALERTS);
  const blocks: Record<string, unknown>[] = shown.map((a) => alertBlock(a, n));
  const context = [`${n.host} · ${n.instance} · ${n.timestamp}`];
  if (n.alerts.length > shown.length) context.unshift(`and ${n.alerts.length - shown.length} more`);
  blocks.push({
    type: 'context',
    elements: context.map((text) => ({ type: 'mrkdwn', text: truncate(esc(text), 3000) })),
  });
  if (n.dashboard_url) {
    blocks.push({
      type: 'actions',
      elements: [
        {
          type: 'button',
          text: { type: 'plain_text', text: 'Open dashboard' },
          url: n.dashboard_url,
          action_id: 'sysvitals_dashboard',
        },
      ],
    });
  }
  return {
    // Slack: `text` ≤ 40,000 characters (the rules of a large group, joined, can pass it).
    text: truncate(title, 40_000),
    blocks: [{ type: 'header', text: { type: 'plain_text', text: truncate(title, 150) } }],
    attachments: [{ color: colorOf(n), blocks }],
  };
}

/** The most of a chat.postMessage answer read (it holds the message posted); see MAX_ANSWER_BYTES. */
const SLACK_API_ANSWER_BYTES = 2 * 1024 * 1024;

export function slackSender(opts: SlackChannelOptions, where: string) {
  const botToken = optionalString(opts.botToken, `${where}.botToken`);
  if (botToken === undefined) {
    if (opts.channel !== undefined || opts.apiUrl !== undefined) {
      throw invalidOption(`sysvitals: \`${where}.channel\` and \`apiUrl\` go with \`botToken\`.`);
    }
    const url = httpUrl(opts.webhookUrl, `${where}.webhookUrl`);
    const sender: ChannelSender = {
      async send(n, ctx) {
        await postJson(url, slackMessage(n), ctx);
      },
    };
    return { sender, secrets: urlSecrets(url) };
  }
  if (opts.webhookUrl !== undefined) {
    throw invalidOption(`sysvitals: \`${where}\` takes \`webhookUrl\` or \`botToken\`, not both.`);
  }
  const channel = optionalString(opts.channel, `${where}.channel`);
  if (channel === undefined) throw invalidOption(`sysvitals: \`${where}.botToken\` needs \`channel\`.`);
  const api = httpUrl(opts.apiUrl ?? 'https://slack.com/api', `${where}.apiUrl`).replace(/\/$/, '');
  const threads = new Map<string, string>();

  async function post(body: Record<string, unknown>, ctx: Parameters<ChannelSender['send']>[1]) {
    // The answer echoes the message (text up to 40,000 characters, 50 blocks of 3000), JSON-escaped: read up to 2 MB.
    const answer = (await postJson(
      `${api}/chat.postMessage`,
      { channel, ...body },
      ctx,
      { authorization: `Bearer ${botToken}` },
      SLACK_API_ANSWER_BYTES,
    )) as { ok?: boolean; ts?: string; error?: string } | undefined;
    if (!answer?.ok) {
      const error = answer?.error ?? 'no answer';
      throw new DeliveryError(`Slack API: ${error}`, RETRYABLE.has(error));
    }
    return answer.ts;
  }

  const sender: ChannelSender = {
    async send(n, ctx) {
      if (n.status === 'firing') {
        const ts = await post(slackMessage(n), ctx);
        if (ts === undefined || n.repeat) return;
        for (const a of n.alerts) {
          if (!threads.has(a.id)) threads.set(a.id, ts);
          if (threads.size > MAX_THREADS) threads.delete(threads.keys().next().value as string);
        }
        return;
      }
      // One resolved message per firing message, in that message's thread.
      const byThread = new Map<string | undefined, NotifiedAlert[]>();
      for (const a of n.alerts) {
        const ts = threads.get(a.id);
        byThread.set(ts, [...(byThread.get(ts) ?? []), a]);
      }
      for (const [ts, alerts] of byThread) {
        const message = slackMessage({ ...n, alerts });
        await post(ts === undefined ? message : { ...message, thread_ts: ts, reply_broadcast: false }, ctx);
        for (const a of alerts) threads.delete(a.id);
      }
    },
  };
  return { sender, secrets: [botToken] };
}
