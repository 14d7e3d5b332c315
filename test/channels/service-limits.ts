// Test oracle: each receiver's whole-message limits as its public documentation states them, counted over the
// body exactly as posted (outside review 34, RT34-1). Field shapes are checked by payload-shapes.ts.
//
// Discord (discord.com/developers/docs/resources/message#embed-object-embed-limits): "Up to 6000 characters total
//   across all title, description, field.name, field.value, footer.text, and author.name fields in all embeds per
//   message"; content ≤ 2000; ≤ 10 embeds; webhook username 1 to 80. Discord says "characters" without a unit:
//   counted here as UTF-16 code units, never fewer than code points, so a body within it is within either reading.
//   Over the limit Discord answers 400 {"embeds": ["Embed size exceeds maximum size of 6000"]}.
// Teams (learn.microsoft.com, "Create incoming webhooks" / Workflows connector known limits): "The message size
//   limit is 28 KB"; above it HTTP 413 "Request Entity Too Large". Counted as bytes of the JSON body, 28 KB read as
//   the smaller 28,000.
// Slack (api.slack.com, chat.postMessage / Block Kit): text ≤ 40,000 characters, ≤ 50 blocks, header ≤ 150, section
//   text ≤ 3000, field ≤ 2000 (slackErrors).
// PagerDuty Events v2 (developer.pagerduty.com/docs/events-api-v2/trigger-events): summary ≤ 1024; an event of more
//   than 512 KB is refused.
// Every service: strings are valid Unicode (no lone surrogate half from a cut).

import { discordErrors, pagerDutyErrors, slackErrors, teamsErrors } from './payload-shapes.js';

export const DISCORD_TOTAL = 6000;
export const TEAMS_BYTES = 28_000;
export const PAGERDUTY_BYTES = 512 * 1024;

type Obj = Record<string, unknown>;

/** Every string in a parsed body that is not well-formed UTF-16 (a lone surrogate). */
function loneSurrogates(v: unknown, at: string, out: string[]): void {
  if (typeof v === 'string') {
    if (/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/.test(v))
      out.push(`${at}: lone surrogate`);
  } else if (Array.isArray(v)) {
    v.forEach((x, i) => {
      loneSurrogates(x, `${at}[${i}]`, out);
    });
  } else if (v !== null && typeof v === 'object')
    for (const [k, x] of Object.entries(v)) loneSurrogates(x, `${at}.${k}`, out);
}

/**
 * Discord's rules for a webhook's name, as published: Webhook resource ("A webhook name is valid if: it does not
 * contain the substrings clyde or discord (case-insensitive); it follows the nickname guidelines in the Usernames and
 * Nicknames documentation, with an exception that webhook names can be up to 80 characters") and Usernames and
 * Nicknames ("cannot contain the following substrings: @, #, :, ```, discord"; "cannot be: everyone, here").
 * Discord answers 400 to a message whose `username` breaks them (python-discord/bot PR #1009).
 */
export function discordUsernameErrors(name: string): string[] {
  const errors: string[] = [];
  const lower = name.toLowerCase();
  if (name.trim().length < 1 || name.length > 80) errors.push('username 1 to 80');
  for (const s of ['clyde', 'discord', '@', '#', ':', '```'])
    if (lower.includes(s)) errors.push(`contains ${s}`);
  if (lower.trim() === 'everyone' || lower.trim() === 'here') errors.push(`is ${lower.trim()}`);
  return errors;
}

export function discordLimitErrors(body: unknown): string[] {
  const errors = discordErrors(body);
  const b = body as Obj;
  const embeds = (b.embeds ?? []) as Obj[];
  let total = 0;
  for (const e of embeds) {
    total += String(e.title ?? '').length + String(e.description ?? '').length;
    total += String((e.footer as Obj | undefined)?.text ?? '').length;
    total += String((e.author as Obj | undefined)?.name ?? '').length;
    for (const f of (e.fields ?? []) as Obj[]) total += String(f.name).length + String(f.value).length;
  }
  if (total > DISCORD_TOTAL) errors.push(`Embed size exceeds maximum size of 6000 (${total})`);
  if (b.username !== undefined && (String(b.username).length < 1 || String(b.username).length > 80))
    errors.push('username 1 to 80');
  loneSurrogates(body, 'body', errors);
  return errors;
}

export function teamsLimitErrors(raw: string, body: unknown): string[] {
  const errors = teamsErrors(body);
  const bytes = Buffer.byteLength(raw);
  if (bytes > TEAMS_BYTES) errors.push(`Request Entity Too Large (${bytes} bytes)`);
  loneSurrogates(body, 'body', errors);
  return errors;
}

export function slackLimitErrors(body: unknown): string[] {
  const errors = slackErrors(body);
  loneSurrogates(body, 'body', errors);
  return errors;
}

export function pagerDutyLimitErrors(raw: string, body: unknown): string[] {
  const errors = pagerDutyErrors(body);
  if (Buffer.byteLength(raw) > PAGERDUTY_BYTES) errors.push('event over 512 KB');
  loneSurrogates(body, 'body', errors);
  return errors;
}
