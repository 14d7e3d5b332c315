// The notification channels' public API: channel and routing options, silences, maintenance windows, signatures.

export type { AlertmanagerChannelOptions } from './alertmanager.js';
export { CHANNEL_TYPES, type ChannelOptions } from './channel-config.js';
export type { DiscordChannelOptions } from './discord.js';
export type { EmailChannelOptions } from './email.js';
export type { WebhookChannelOptions } from './generic-webhook.js';
export type { MaintenanceWindowOptions, MaintenanceWindowStatus } from './maintenance.js';
export type { PagerDutyChannelOptions } from './pagerduty.js';
export { NotificationRouter, type NotificationRouterOptions, type Suppression } from './router.js';
export { DEFAULT_ROUTING_OPTIONS, type RoutingConfig, type RoutingOptions } from './routing-config.js';
export { SIGNATURE_HEADER, signatureHeaders, TIMESTAMP_HEADER, verifySignature } from './signature.js';
export { type Silence, type SilenceInput, SilenceInputError, SilenceStore } from './silences.js';
export type { SlackChannelOptions } from './slack.js';
export type { SmsGatewayChannelOptions, TwilioChannelOptions } from './sms.js';
export type { TeamsChannelOptions } from './teams.js';
export type { ChannelType, CommonChannelOptions, Notification, NotifiedAlert } from './types.js';
