// The channel types that send over HTTP(S), each pointed at a local server's origin: what the tests that run every
// channel type against a real receiver share (bounded answers, Retry-After holds).

import type { ChannelOptions } from '../../src/channels/channel-config.js';

/** [name, options for a receiver at `origin`] for each HTTP channel type (email: SMTP, set up by its tests). */
export const HTTP_CHANNELS: Array<[string, (origin: string) => ChannelOptions]> = [
  ['webhook', (o) => ({ type: 'webhook', url: `${o}/hook` })],
  ['slack', (o) => ({ type: 'slack', webhookUrl: `${o}/services/T/B/x` })],
  ['slack bot', (o) => ({ type: 'slack', botToken: 'xoxb-1', channel: 'C1', apiUrl: o })],
  ['teams', (o) => ({ type: 'teams', webhookUrl: `${o}/teams` })],
  ['discord', (o) => ({ type: 'discord', webhookUrl: `${o}/api/webhooks/1/t` })],
  ['pagerduty', (o) => ({ type: 'pagerduty', routingKey: 'k'.repeat(32), url: `${o}/pd` })],
  ['alertmanager', (o) => ({ type: 'alertmanager', url: o })],
  ['sms-gateway', (o) => ({ type: 'sms-gateway', url: `${o}/sms`, to: '+15551230001' })],
  [
    'twilio',
    (o) => ({
      type: 'twilio',
      accountSid: `AC${'a'.repeat(32)}`,
      authToken: 't',
      from: '+15005550006',
      to: '+15551230001',
      apiUrl: o,
    }),
  ],
];
