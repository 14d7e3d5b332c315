// The monitor's events, emitted so that a listener that throws, or an async one that rejects, is logged and never
// reaches the sample cycle or the host.

import type { EventEmitter } from 'node:events';
import { errorMessage } from '../logger.js';
import { catchRejection } from '../options/callback-result.js';
import type { Logger } from '../types.js';
import type { MonitorEvents } from './options.js';

const WHO: Record<keyof MonitorEvents, string> = {
  metrics: 'a metrics listener',
  alert: 'an alert listener',
  close: 'a close listener',
};

/**
 * Emits `event` to each listener in turn, as `emit` does (`once` listeners removed as they run): a listener's throw
 * is logged as an error and the next listener still runs; an async listener's rejection is logged the same way
 * (an unhandled rejection would end the host: outside review 36, RT36-2).
 */
export function emitSafely<K extends keyof MonitorEvents>(
  emitter: EventEmitter<MonitorEvents>,
  logger: Logger,
  event: K,
  ...args: MonitorEvents[K]
): void {
  let listeners: ((...a: unknown[]) => unknown)[];
  try {
    // rawListeners: a `once` listener's wrapper, which removes it and returns what the listener returned.
    listeners = (emitter.rawListeners as (event: K) => ((...a: unknown[]) => unknown)[])(event);
  } catch (err) {
    logger.error({ err: errorMessage(err) }, `sysvitals: ${WHO[event]} threw`);
    return;
  }
  const rejected = (err: unknown) =>
    logger.error({ err: errorMessage(err) }, `sysvitals: ${WHO[event]} rejected`);
  for (const listener of listeners) {
    try {
      catchRejection(listener.apply(emitter, args), rejected);
    } catch (err) {
      logger.error({ err: errorMessage(err) }, `sysvitals: ${WHO[event]} threw`);
    }
  }
}
