// A store's logger: its own `logger` option, else the monitor's once given to createMonitor (RT40-4), else stderr.

import { consoleLogger, safeLogger } from '../logger.js';
import type { Logger } from '../types.js';

/** Per store built with storeLogger: hands it the logger of the monitor it is given to. */
const adopters = new WeakMap<object, (logger: Logger) => void>();

/**
 * The logger `store` writes to: its own (`own`), else stderr until a monitor hands it its logger (useMonitorLogger).
 * Each line goes to the current target, so the parts built with it follow an adopted logger.
 */
export function storeLogger(store: object, own: Logger | undefined): Logger {
  let target = safeLogger(own ?? consoleLogger);
  if (own === undefined) {
    adopters.set(store, (logger) => {
      target = safeLogger(logger);
    });
  }
  return {
    warn: (obj, msg) => target.warn(obj, msg),
    error: (obj, msg) => target.error(obj, msg),
    info: (obj, msg) => (target.info ? target.info(obj, msg) : target.warn(obj, msg)),
  };
}

/** createMonitor's `store` logs through the monitor's `logger` unless it was built with one of its own. */
export function useMonitorLogger(store: object, logger: Logger): void {
  adopters.get(store)?.(logger);
}
