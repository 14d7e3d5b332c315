// Discord channel: a webhook message with one embed per alert, coloured by severity.

import {
  colorOf,
  escapeDiscordMarkdown,
  resolvedText,
  thresholdText,
  titleOf,
  truncate,
  valueText,
} from './format.js';
import { postJson } from './http-send.js';
import { urlSecrets } from './secret-parts.js';
import type { ChannelSender, CommonChannelOptions, Notification } from './types.js';
import { httpUrl, optionalString } from './validate.js';

/** `{ type: 'discord', webhookUrl }`: `https://discord.com/api/webhooks/{id}/{token}` (a secret). */
export interface DiscordChannelOptions extends CommonChannelOptions {
  type: 'discord';
  webhookUrl: string;
  /** Overrides the webhook's display name. @defaultValue 'sysvitals' */
  username?: string;
}

export const DISCORD_KEYS = ['webhookUrl', 'username'] as const;

/** Discord allows 10 embeds per message. */
const MAX_EMBEDS = 10;

/** The execute-webhook body: `content`, `embeds` (title ≤ 256, description ≤ 4096, ≤ 25 fields), no mentions. */
export function discordMessage(n: Notification, username = 'sysvitals'): Record<string, unknown> {
  const color = Number.parseInt(colorOf(n).slice(1), 16);
  const shown = n.alerts.slice(0, MAX_EMBEDS);
  const more = n.alerts.length - shown.length;
  return {
    username,
    content: truncate(more > 0 ? `${titleOf(n)} (${more} more not shown)` : titleOf(n), 2000),
    // Alert text comes from the host; never let it ping @everyone or a role.
    allowed_mentions: { parse: [] },
    embeds: shown.map((a) => {
      const embed: Record<string, unknown> = {
        title: truncate(`${n.status === 'resolved' ? 'resolved' : a.severity} · ${a.rule}`, 256),
        // Literal: alert text can carry what a remote service put in an error (outside review 31, RT31-4).
        description: truncate(
          escapeDiscordMarkdown(n.status === 'resolved' ? resolvedText(a) : a.message),
          4096,
        ),
        color,
        timestamp: a.timestamp,
        fields: [
          { name: 'Value', value: truncate(valueText(a), 1024), inline: true },
          { name: 'Threshold', value: truncate(thresholdText(a), 1024), inline: true },
          // Probe names, rule components and label-derived keys: literal too (outside review 32, RT32-8).
          { name: 'Component', value: truncate(escapeDiscordMarkdown(a.component), 1024), inline: true },
        ],
        footer: { text: truncate(`${n.host} · ${n.instance}`, 2048) },
      };
      if (n.dashboard_url) embed.url = n.dashboard_url;
      return embed;
    }),
  };
}

export function discordSender(opts: DiscordChannelOptions, where: string) {
  const url = httpUrl(opts.webhookUrl, `${where}.webhookUrl`);
  const username = optionalString(opts.username, `${where}.username`);
  const sender: ChannelSender = {
    async send(n, ctx) {
      await postJson(url, discordMessage(n, username), ctx);
    },
  };
  return { sender, secrets: urlSecrets(url) };
}
