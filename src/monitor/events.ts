// The monitor's events, emitted so that a listener that throws is logged and never reaches the sample cycle or the host.

import type { EventEmitter } from 'node:events';
import { errorMessage } from '../logger.js';
import type { Logger } from '../types.js';
import type { MonitorEvents } from './options.js';

const WHO: Record<keyof MonitorEvents, string> = {
  metrics: 'a metrics listener',
  alert: 'an alert listener',
  close: 'a close listener',
};

/** Emits `event`; a listener's throw is logged as an error, not thrown. */
export function emitSafely<K extends keyof MonitorEvents>(
  emitter: EventEmitter<MonitorEvents>,
  logger: Logger,
  event: K,
  ...args: MonitorEvents[K]
): void {
  try {
    (emitter.emit as (event: K, ...args: MonitorEvents[K]) => boolean)(event, ...args);
  } catch (err) {
    logger.error({ err: errorMessage(err) }, `sysvitals: ${WHO[event]} threw`);
  }
}
