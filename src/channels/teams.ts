// Microsoft Teams channel: an Adaptive Card posted to a Teams Workflows ("When a Teams webhook request is received") URL.

import {
  colorOf,
  escapeCommonMark,
  resolvedText,
  stateText,
  thresholdText,
  titleOf,
  truncate,
  valueText,
} from './format.js';
import { postJson } from './http-send.js';
import { urlSecrets } from './secret-parts.js';
import type { ChannelSender, CommonChannelOptions, Notification } from './types.js';
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

/** Adaptive Card text colours: `attention` (red), `warning` (amber), `good` (green). */
function cardColor(n: Notification): 'attention' | 'warning' | 'good' {
  const c = colorOf(n);
  return c === '#2eb67d' ? 'good' : c === '#d7263d' ? 'attention' : 'warning';
}

/** The Workflows message: `{ type: 'message', attachments: [{ contentType: adaptive card, content }] }`. */
export function teamsMessage(n: Notification): Record<string, unknown> {
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
  for (const a of n.alerts.slice(0, MAX_ALERTS)) {
    body.push(
      {
        type: 'TextBlock',
        // Literal: alert text can carry what a remote service put in an error (outside review 31, RT31-4).
        text: `**${escapeCommonMark(a.rule)}**: ${escapeCommonMark(n.status === 'resolved' ? resolvedText(a) : a.message)}`,
        wrap: true,
        separator: true,
      },
      {
        type: 'FactSet',
        facts: [
          { title: 'State', value: n.status === 'resolved' ? 'resolved' : a.severity },
          { title: 'Value', value: valueText(a) },
          { title: 'Threshold', value: thresholdText(a) },
          // Fact.Value renders markdown: literal (outside review 32, RT32-8).
          { title: 'Component', value: escapeCommonMark(a.component) },
          { title: 'Since', value: a.timestamp },
        ],
      },
    );
  }
  if (n.alerts.length > MAX_ALERTS) {
    body.push({ type: 'TextBlock', text: `and ${n.alerts.length - MAX_ALERTS} more`, isSubtle: true });
  }
  body.push({
    type: 'TextBlock',
    text: `${stateText(n)} · ${n.host} · ${n.instance} · ${n.timestamp}`,
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

export function teamsSender(opts: TeamsChannelOptions, where: string) {
  const url = httpUrl(opts.webhookUrl, `${where}.webhookUrl`);
  const sender: ChannelSender = {
    async send(n, ctx) {
      await postJson(url, teamsMessage(n), ctx);
    },
  };
  return { sender, secrets: urlSecrets(url) };
}
