// Discord channel: a webhook message with one embed per alert, coloured by severity.

import { invalidOption } from '../errors.js';
import {
  bySeverity,
  colorOf,
  escapeDiscordMarkdown,
  largestFit,
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
/** Discord: at most 6000 characters across all embeds' title, description, field.name, field.value, footer.text and author.name. */
export const DISCORD_EMBED_TOTAL = 6000;
/** Discord: a webhook's username is 1 to 80 characters. */
const MAX_USERNAME = 80;

/** Substrings Discord refuses anywhere in a webhook's name, case-insensitive (its webhook and username docs). */
const FORBIDDEN_IN_USERNAME = ['clyde', 'discord', '@', '#', ':', '```'];
/** Names Discord refuses whole. */
const FORBIDDEN_USERNAMES = ['everyone', 'here'];

/**
 * Discord answers 400 to every message of a webhook whose `username` breaks its rules (docs.discord.com, Webhook
 * "A webhook name is valid if it does not contain the substrings clyde or discord (case-insensitive)" and Usernames
 * and Nicknames: no "@", "#", ":", "```", not "everyone" or "here", 80 characters for a webhook): refused at setup so
 * a channel is not found dead at its first alert.
 */
function discordUsername(name: string, where: string): void {
  const trimmed = name.trim();
  if (trimmed.length < 1 || name.length > MAX_USERNAME) {
    throw invalidOption(`sysvitals: \`${where}\` must be 1 to ${MAX_USERNAME} characters (Discord's limit).`);
  }
  const lower = trimmed.toLowerCase();
  const bad = FORBIDDEN_IN_USERNAME.find((s) => lower.includes(s));
  if (bad !== undefined || FORBIDDEN_USERNAMES.includes(lower)) {
    throw invalidOption(
      `sysvitals: \`${where}\` ${bad === undefined ? `may not be "${lower}"` : `may not contain "${bad}"`}: Discord refuses (400) a webhook name containing "clyde", "discord", "@", "#", ":" or "\`\`\`", or named "everyone" or "here".`,
    );
  }
}

/** Discord refuses an empty or blank embed text: a dash in its place. */
function filled(text: string): string {
  return text.trim() === '' ? '-' : text;
}

/**
 * Discord counts "characters"; they are counted here as UTF-16 code units, never fewer than the code points Discord
 * may count, so a message within the limit by this count is within it by either.
 */
export function discordEmbedChars(embeds: readonly Record<string, unknown>[]): number {
  let total = 0;
  for (const e of embeds) {
    total += String(e.title ?? '').length + String(e.description ?? '').length;
    total += String((e.footer as { text?: string } | undefined)?.text ?? '').length;
    total += String((e.author as { name?: string } | undefined)?.name ?? '').length;
    for (const f of (e.fields ?? []) as { name: string; value: string }[])
      total += f.name.length + f.value.length;
  }
  return total;
}

/**
 * The execute-webhook body: `content` (≤ 2000), `embeds` (≤ 10; title ≤ 256, description ≤ 4096, field value ≤ 1024,
 * footer ≤ 2048, and all of their text ≤ 6000 together), no mentions. The most severe alerts are shown first; when
 * the texts would pass 6000 in all, each description, field value and footer is cut to a common length (the titles,
 * which name the severity and rule, are kept: 10 of them take at most 2560), so the message is never refused for its
 * size (outside review 34, RT34-1).
 */
export function discordMessage(n: Notification, username = 'sysvitals'): Record<string, unknown> {
  const color = Number.parseInt(colorOf(n).slice(1), 16);
  const shown = bySeverity(n.alerts).slice(0, MAX_EMBEDS);
  const more = n.alerts.length - shown.length;
  const note = ` (${more} more not shown)`;
  const build = (cap: number) =>
    shown.map((a) => {
      const embed: Record<string, unknown> = {
        title: truncate(`${n.status === 'resolved' ? 'resolved' : a.severity} · ${a.rule}`, 256),
        // Literal: alert text can carry what a remote service put in an error (outside review 31, RT31-4).
        description: filled(
          truncate(
            escapeDiscordMarkdown(n.status === 'resolved' ? resolvedText(a) : a.message),
            Math.min(4096, cap),
          ),
        ),
        color,
        timestamp: a.timestamp,
        fields: [
          { name: 'Value', value: filled(truncate(valueText(a), Math.min(1024, cap))), inline: true },
          { name: 'Threshold', value: filled(truncate(thresholdText(a), Math.min(1024, cap))), inline: true },
          // Probe names, rule components and label-derived keys: literal too (outside review 32, RT32-8).
          {
            name: 'Component',
            value: filled(truncate(escapeDiscordMarkdown(a.component), Math.min(1024, cap))),
            inline: true,
          },
        ],
        footer: { text: filled(truncate(`${n.host} · ${n.instance}`, Math.min(2048, cap))) },
      };
      if (n.dashboard_url) embed.url = n.dashboard_url;
      return embed;
    });
  const cap = largestFit(4096, (c) => discordEmbedChars(build(c)) <= DISCORD_EMBED_TOTAL);
  return {
    username,
    // The note survives a long title (the group's rules, joined).
    content: more > 0 ? `${truncate(titleOf(n), 2000 - note.length)}${note}` : truncate(titleOf(n), 2000),
    // Alert text comes from the host; never let it ping @everyone or a role.
    allowed_mentions: { parse: [] },
    embeds: build(Math.max(cap, 1)),
  };
}

export function discordSender(opts: DiscordChannelOptions, where: string) {
  const url = httpUrl(opts.webhookUrl, `${where}.webhookUrl`);
  const username = optionalString(opts.username, `${where}.username`);
  if (username !== undefined) discordUsername(username, `${where}.username`);
  const sender: ChannelSender = {
    async send(n, ctx) {
      await postJson(url, discordMessage(n, username), ctx);
    },
  };
  return { sender, secrets: urlSecrets(url) };
}
