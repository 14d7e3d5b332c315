// `GET capacity/`: capacity planning over the stored history (src/analytics/capacity.ts).

import type { CapacityReport } from '../analytics/capacity.js';
import { sendData, sendError } from './respond.js';
import { defineRoute } from './route.js';

/** What the route reads from the monitor (an optional member of the AdminSource). */
export interface CapacitySource {
  capacity?(): Promise<CapacityReport>;
}

export const capacityRoute = defineRoute({
  path: 'capacity',
  async handle({ res, source }) {
    const src = source as CapacitySource;
    if (typeof src.capacity !== 'function') {
      sendError(res, 404, 'not_found', 'this monitor keeps no history to plan capacity from');
      return;
    }
    sendData(res, await src.capacity());
  },
});
