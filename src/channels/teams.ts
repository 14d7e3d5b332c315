// Microsoft Teams channel: an Adaptive Card posted to a Teams Workflows ("When a Teams webhook request is received") URL.

import {
  bySeverity,
  colorOf,
  escapeCommonMark,
  largestFit,
  resolvedText,
  stateText,
  thresholdText,
  titleOf,
  truncate,
  valueText,
} from './format.js';
import { postJson } from './http-send.js';
import { urlSecrets } from './secret-parts.js';
import type { ChannelSender, CommonChannelOptions, Notification, NotifiedAlert } from './types.js';
import { httpUrl } from './validate.js';

/**
 * `{ type: 'teams', webhookUrl }`: the URL of a Workflows flow built from the template "Post to a
 * channel when a webhook request is received". The body is a `message` with one Adaptive Card
 * attachment (schema 1.4), the format Workflows expects; the retired Office 365 connectors'
 * MessageCard format is not sent.
 */
export interface TeamsChannelOptions extends CommonChannelOptions {
  type: 'teams';
  /** The flow's HTTP POST URL (a secret: it carries a signature). */
  webhookUrl: string;
}

export const TEAMS_KEYS = ['webhookUrl'] as const;

const MAX_ALERTS = 20;
/**
 * Bytes of the posted JSON body: Teams documents a 28 KB message limit for webhooks and Workflows ("Request Entity
 * Too Large", HTTP 413, above it); the card is kept well under it, room for what Teams adds around a card.
 */
export const TEAMS_MAX_BYTES = 20_000;
/** An alert's text in the card, at most (Slack's section limit). */
const MAX_TEXT = 3000;
/** An alert's text is not cut below this to show more alerts: past it, alerts are left off ("N more not shown"). */
const MIN_TEXT = 200;

/** Adaptive Card text colours: `attention` (red), `warning` (amber), `good` (green). */
function cardColor(n: Notification): 'attention' | 'warning' | 'good' {
  const c = colorOf(n);
  return c === '#2eb67d' ? 'good' : c === '#d7263d' ? 'attention' : 'warning';
}

function card(n: Notification, shown: readonly NotifiedAlert[], cap: number): Record<string, unknown> {
  const body: Record<string, unknown>[] = [
    {
      type: 'TextBlock',
      text: truncate(titleOf(n), 200),
      weight: 'bolder',
      size: 'medium',
      color: cardColor(n),
      wrap: true,
    },
  ];
  for (const a of shown) {
    const text = n.status === 'resolved' ? resolvedText(a) : a.message;
    body.push(
      {
        type: 'TextBlock',
        // Literal: alert text can carry what a remote service put in an error (outside review 31, RT31-4).
        // Cut before escaping: an escape (`\*`) is never split.
        text: `**${escapeCommonMark(truncate(a.rule, 200))}**: ${escapeCommonMark(truncate(text, cap))}`,
        wrap: true,
        separator: true,
      },
      {
        type: 'FactSet',
        facts: [
          { title: 'State', value: n.status === 'resolved' ? 'resolved' : a.severity },
          { title: 'Value', value: truncate(valueText(a), 200) },
          { title: 'Threshold', value: truncate(thresholdText(a), 200) },
          // Fact.Value renders markdown: literal (outside review 32, RT32-8).
          { title: 'Component', value: escapeCommonMark(truncate(a.component, 200)) },
          { title: 'Since', value: a.timestamp },
        ],
      },
    );
  }
  if (n.alerts.length > shown.length) {
    body.push({
      type: 'TextBlock',
      text: `${n.alerts.length - shown.length} more not shown`,
      isSubtle: true,
    });
  }
  body.push({
    type: 'TextBlock',
    text: truncate(`${stateText(n)} · ${n.host} · ${n.instance} · ${n.timestamp}`, 600),
    isSubtle: true,
    size: 'small',
    wrap: true,
  });
  const content: Record<string, unknown> = {
    $schema: 'http://adaptivecards.io/schemas/adaptive-card.json',
    type: 'AdaptiveCard',
    version: '1.4',
    body,
  };
  if (n.dashboard_url) {
    content.actions = [{ type: 'Action.OpenUrl', title: 'Open dashboard', url: n.dashboard_url }];
  }
  return {
    type: 'message',
    attachments: [{ contentType: 'application/vnd.microsoft.card.adaptive', contentUrl: null, content }],
  };
}

const bytes = (body: unknown) => Buffer.byteLength(JSON.stringify(body));

/**
 * The Workflows message: `{ type: 'message', attachments: [{ contentType: adaptive card, content }] }`, the most
 * severe alerts first, within TEAMS_MAX_BYTES: each alert's text is cut to a common length (at most 3000 characters),
 * and when even 200 each would not fit, the least severe alerts are left off with "N more not shown" (outside review
 * 34, RT34-1).
 */
export function teamsMessage(n: Notification): Record<string, unknown> {
  const sorted = bySeverity(n.alerts);
  for (let k = Math.min(MAX_ALERTS, sorted.length); k > 1; k--) {
    const shown = sorted.slice(0, k);
    const cap = largestFit(MAX_TEXT, (c) => bytes(card(n, shown, c)) <= TEAMS_MAX_BYTES);
    if (cap >= MIN_TEXT) return card(n, shown, cap);
  }
  const shown = sorted.slice(0, 1);
  return card(
    n,
    shown,
    Math.max(
      1,
      largestFit(MAX_TEXT, (c) => bytes(card(n, shown, c)) <= TEAMS_MAX_BYTES),
    ),
  );
}

export function teamsSender(opts: TeamsChannelOptions, where: string) {
  const url = httpUrl(opts.webhookUrl, `${where}.webhookUrl`);
  const sender: ChannelSender = {
    async send(n, ctx) {
      await postJson(url, teamsMessage(n), ctx);
    },
  };
  return { sender, secrets: urlSecrets(url) };
}
