// `GET capacity/`: capacity planning over the stored history (src/analytics/capacity.ts).

import type { CapacityReport } from '../analytics/capacity.js';
import { identifierParam } from './params.js';
import { sendData, sendError } from './respond.js';
import { checkInstance, defineRoute } from './route.js';

/** What the route reads from the monitor (an optional member of the AdminSource). */
export interface CapacitySource {
  /** In cluster mode: the cluster's (default) or one worker's (`instance`). */
  capacity?(options?: { instance?: string }): Promise<CapacityReport>;
}

export const capacityRoute = defineRoute({
  path: 'capacity',
  query: { instance: identifierParam() },
  async handle({ res, source, query }) {
    if (!checkInstance(res, source, query.instance)) return;
    const src = source as CapacitySource;
    if (typeof src.capacity !== 'function') {
      sendError(res, 404, 'not_found', 'this monitor keeps no history to plan capacity from');
      return;
    }
    sendData(res, await src.capacity(query.instance === undefined ? {} : { instance: query.instance }));
  },
});
