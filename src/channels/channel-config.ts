// Parses `channels: [...]` once at setup into frozen channel configs with their senders; every mistake is a coded error.

import type { AlertSeverity } from '../alerts/alert.js';
import { invalidOption } from '../errors.js';
import { didYouMean } from '../options/option-keys.js';
import type { Clock } from '../types.js';
import { ALERTMANAGER_KEYS, type AlertmanagerChannelOptions, alertmanagerSender } from './alertmanager.js';
import type { DeliveryQueueConfig } from './delivery-queue.js';
import { DISCORD_KEYS, type DiscordChannelOptions, discordSender } from './discord.js';
import { EMAIL_KEYS, type EmailChannelOptions, emailSender } from './email.js';
import { WEBHOOK_KEYS, type WebhookChannelOptions, webhookSender } from './generic-webhook.js';
import { PAGERDUTY_KEYS, type PagerDutyChannelOptions, pagerDutySender } from './pagerduty.js';
import { SLACK_KEYS, type SlackChannelOptions, slackSender } from './slack.js';
import {
  SMS_GATEWAY_KEYS,
  type SmsGatewayChannelOptions,
  smsGatewaySender,
  TWILIO_KEYS,
  type TwilioChannelOptions,
  twilioSender,
} from './sms.js';
import { TEAMS_KEYS, type TeamsChannelOptions, teamsSender } from './teams.js';
import type { ChannelSender, ChannelType } from './types.js';
import { boolean, checkKeys, integer, isObject, stringList } from './validate.js';

/** One entry of `channels: [...]`, told apart by `type`. */
export type ChannelOptions =
  | WebhookChannelOptions
  | SlackChannelOptions
  | EmailChannelOptions
  | TwilioChannelOptions
  | SmsGatewayChannelOptions
  | TeamsChannelOptions
  | DiscordChannelOptions
  | PagerDutyChannelOptions
  | AlertmanagerChannelOptions;

/** The `type` values `channels: [...]` accepts. */
export const CHANNEL_TYPES: readonly ChannelType[] = Object.freeze([
  'webhook',
  'slack',
  'email',
  'twilio',
  'sms-gateway',
  'teams',
  'discord',
  'pagerduty',
  'alertmanager',
]);

const COMMON_KEYS = [
  'type',
  'name',
  'minSeverity',
  'rules',
  'sendResolved',
  'repeatIntervalMs',
  'timeoutMs',
  'retries',
  'retryDelayMs',
  'maxQueue',
] as const;

const OWN_KEYS: Record<ChannelType, readonly string[]> = {
  webhook: WEBHOOK_KEYS,
  slack: SLACK_KEYS,
  email: EMAIL_KEYS,
  twilio: TWILIO_KEYS,
  'sms-gateway': SMS_GATEWAY_KEYS,
  teams: TEAMS_KEYS,
  discord: DISCORD_KEYS,
  pagerduty: PAGERDUTY_KEYS,
  alertmanager: ALERTMANAGER_KEYS,
};

const SMS = new Set<ChannelType>(['twilio', 'sms-gateway']);
const DAY_MS = 24 * 60 * 60 * 1000;

/** A channel as the router uses it: who it is, what it takes, and how it sends. */
export interface ChannelConfig extends DeliveryQueueConfig {
  readonly minSeverity: AlertSeverity;
  /** Rule names, or null for every rule. */
  readonly rules: readonly string[] | null;
  readonly sendResolved: boolean;
  readonly repeatIntervalMs: number;
}

export interface ParsedChannel {
  readonly config: ChannelConfig;
  readonly sender: ChannelSender;
}

/** Parses every channel; names are unique (`slack`, `slack-2`, … unless given). */
export function parseChannels(list: unknown, clock: Clock, repeatIntervalMs: number): ParsedChannel[] {
  if (list === undefined) return [];
  if (!Array.isArray(list)) {
    throw invalidOption(
      'sysvitals: `channels` must be an array such as [{ type: "slack", webhookUrl: "…" }].',
    );
  }
  const names = new Set<string>();
  const counts = new Map<string, number>();
  return list.map((opts, i) => {
    const parsed = parseChannel(opts, i, clock, repeatIntervalMs);
    let name = parsed.config.name;
    if (names.has(name)) {
      if (isObject(opts) && opts.name !== undefined) {
        throw invalidOption(`sysvitals: two channels are named ${JSON.stringify(name)}; names must differ.`);
      }
      const n = (counts.get(name) ?? 1) + 1;
      counts.set(name, n);
      name = `${name}-${n}`;
    }
    names.add(name);
    return { config: Object.freeze({ ...parsed.config, name }), sender: parsed.sender };
  });
}

function parseChannel(opts: unknown, i: number, clock: Clock, defaultRepeatMs: number): ParsedChannel {
  const at = `channels[${i}]`;
  if (!isObject(opts)) throw invalidOption(`sysvitals: \`${at}\` must be an object with a \`type\`.`);
  const type = opts.type as ChannelType;
  if (!CHANNEL_TYPES.includes(type)) {
    throw invalidOption(
      `sysvitals: \`${at}.type\` must be one of ${CHANNEL_TYPES.join(', ')}, got ${JSON.stringify(opts.type)}.${typeof opts.type === 'string' ? didYouMean(opts.type, CHANNEL_TYPES) : ''}`,
    );
  }
  const where = `${at} (${type})`;
  checkKeys(opts, [...COMMON_KEYS, ...OWN_KEYS[type]], where);
  const sms = SMS.has(type);
  const name = opts.name === undefined ? type : opts.name;
  if (typeof name !== 'string' || !/^[\w.-]{1,64}$/.test(name)) {
    throw invalidOption(`sysvitals: \`${where}.name\` must be 1-64 letters, digits, '_', '.' or '-'.`);
  }
  const minSeverity = opts.minSeverity ?? (sms ? 'critical' : 'warning');
  if (minSeverity !== 'warning' && minSeverity !== 'critical') {
    throw invalidOption(`sysvitals: \`${where}.minSeverity\` must be 'warning' or 'critical'.`);
  }
  const rules = opts.rules === undefined ? null : Object.freeze(stringList(opts.rules, `${where}.rules`));
  const timeoutMs = integer(opts.timeoutMs, `${where}.timeoutMs`, 1, 300_000, 10_000);
  const repeatIntervalMs = integer(
    opts.repeatIntervalMs,
    `${where}.repeatIntervalMs`,
    1000,
    30 * DAY_MS,
    type === 'alertmanager' ? 60_000 : defaultRepeatMs,
  );
  const o = opts as never;
  const built: {
    sender: ChannelSender;
    secrets: string[];
    masked?: ReadonlyArray<readonly [string, string]>;
  } =
    type === 'webhook'
      ? webhookSender(o, where, clock)
      : type === 'slack'
        ? slackSender(o, where)
        : type === 'email'
          ? emailSender(o, where, timeoutMs)
          : type === 'twilio'
            ? twilioSender(o, where)
            : type === 'sms-gateway'
              ? smsGatewaySender(o, where)
              : type === 'teams'
                ? teamsSender(o, where)
                : type === 'discord'
                  ? discordSender(o, where)
                  : type === 'pagerduty'
                    ? pagerDutySender(o, where)
                    : alertmanagerSender(o, where, clock, repeatIntervalMs);
  return {
    sender: built.sender,
    config: {
      name,
      type,
      minSeverity,
      rules,
      sendResolved: boolean(opts.sendResolved, `${where}.sendResolved`, !sms),
      repeatIntervalMs,
      timeoutMs,
      retries: integer(opts.retries, `${where}.retries`, 0, 10, 3),
      retryDelayMs: integer(opts.retryDelayMs, `${where}.retryDelayMs`, 0, 600_000, 1000),
      maxQueue: integer(opts.maxQueue, `${where}.maxQueue`, 1, 10_000, 100),
      secrets: Object.freeze(built.secrets.filter((s) => s.length > 0)),
      masked: Object.freeze(built.masked ?? []),
    },
  };
}
