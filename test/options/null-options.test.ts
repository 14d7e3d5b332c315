// `null` for a monitor option (outside review of redaction/alerts, stop 37): `routing`, `store`, `shutdown`, `jobs`,
// `logger`, `maxRoutes` and `requestWindowMs` took it as left out, others refused it with a message about something
// else (`webhook.url must be an absolute URL, got undefined`). Every monitor option now refuses it alike, naming it,
// through the core and every adapter's createMonitor. The oracle: the monitor's list of option names.

import { describe, expect, it } from 'vitest';
import { createMonitor as expressMonitor } from '../../src/adapters/express.js';
import { createMonitor as fastifyMonitor } from '../../src/adapters/fastify.js';
import { createMonitor as koaMonitor } from '../../src/adapters/koa.js';
import { createMonitor } from '../../src/index.js';
import { MONITOR_OPTION_KEYS } from '../../src/monitor/options.js';

const ENTRIES = [
  ['sysvitals', createMonitor],
  ['sysvitals/express', expressMonitor],
  ['sysvitals/fastify', fastifyMonitor],
  ['sysvitals/koa', koaMonitor],
] as const;

// `alerts: null` has its own code and message (test/alerts/rule-option-paths.test.ts).
const KEYS = MONITOR_OPTION_KEYS.filter((key) => key !== 'alerts');

describe.each(ENTRIES)('%s createMonitor: an option given as null', (_name, create) => {
  it.each(KEYS)('`%s: null` is refused, naming the option', (key) => {
    let thrown: unknown;
    try {
      void (create as (o: object) => unknown)({ sampleIntervalMs: 0, [key]: null });
    } catch (err) {
      thrown = err;
    }
    expect(thrown).toMatchObject({ code: 'ERR_SYSVITALS_INVALID_OPTION' });
    expect(String((thrown as Error).message)).toContain(`\`${key}\` is null`);
  });
});
