// The warning of a middleware mounted after routes that answer requests it then never sees (Express:
// express-order.ts, Koa: koa-order.ts): one text for both.

import type { Logger } from '../types.js';

/** How many it names in the warning; the rest are counted. */
const NAMED = 5;

/** Logs the one warning, naming the first routes and counting the rest. */
export function warnRoutesBefore(before: readonly string[], logger: Logger | undefined): void {
  const named = before.slice(0, NAMED).join(', ');
  const more = before.length > NAMED ? ` and ${before.length - NAMED} more` : '';
  logger?.warn(
    { routes: before.length },
    `sysvitals: monitor.middleware() is mounted after ${before.length} route(s) of this app (${named}${more}): ` +
      'the requests they answer are not measured. Mount it before them: app.use(monitor.middleware()) first',
  );
}
