// The channels' senders (Slack, email, PagerDuty, webhooks...) and their options, loaded when `channels` is set.

import * as channelConfig from './channel-config.js';

/**
 * The channel options' parser and its senders. From source (vitest, tsx) it is this plain import; in the
 * build, tsup.config.ts (`lazyModules`) replaces this module's body with a synchronous `require()` of
 * dist/lazy-channels.cjs, a separate entry, so that a monitor without channels does not load them (issue 18).
 */
export function loadChannelConfig(): typeof channelConfig {
  return channelConfig;
}
