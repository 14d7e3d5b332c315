// `null` for a monitor option (outside review of redaction/alerts, stop 37): `routing`, `store`, `shutdown`, `jobs`,
// `logger`, `maxRoutes` and `requestWindowMs` took it as left out, others refused it with a message about something
// else (`webhook.url must be an absolute URL, got undefined`); the admin API's `basePath`, `rateLimit` and `trustProxy`
// took it as left out too (outside review 21, F6), and `allowedOrigins: null` warned about a missing adminToken before
// it threw. Every option now refuses it alike, naming it, before anything is built or logged: through the core, every
// adapter's createMonitor and createAdminApi. The oracle: the monitor's and the admin API's lists of option names.

import { describe, expect, it } from 'vitest';
import { createMonitor as expressMonitor } from '../../src/adapters/express.js';
import { createMonitor as fastifyMonitor } from '../../src/adapters/fastify.js';
import { createMonitor as koaMonitor } from '../../src/adapters/koa.js';
import { ADMIN_API_OPTION_KEYS } from '../../src/http/admin-api-options.js';
import { createAdminApi, createMonitor } from '../../src/index.js';
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

const ADAPTERS = ENTRIES.slice(1);

/** What `run` throws, and every line logged meanwhile. */
function refusal(run: (logger: object) => unknown): { thrown: unknown; logged: string[] } {
  const logged: string[] = [];
  const push = (_o: unknown, m?: string) => void logged.push(String(m));
  try {
    void run({ warn: push, error: push, info: push });
  } catch (err) {
    return { thrown: err, logged };
  }
  return { thrown: undefined, logged };
}

describe.each(ADAPTERS)('%s createMonitor: an admin API option given as null', (_name, create) => {
  it.each([...ADMIN_API_OPTION_KEYS])(
    '`%s: null` is refused, naming the option, with nothing logged',
    (key) => {
      const { thrown, logged } = refusal((logger) =>
        (create as (o: object) => unknown)({ sampleIntervalMs: 0, logger, [key]: null }),
      );
      expect(thrown).toMatchObject({ code: 'ERR_SYSVITALS_INVALID_OPTION' });
      expect(String((thrown as Error).message)).toContain(`\`${key}\` is null`);
      expect(logged).toEqual([]);
    },
  );
});

describe('createAdminApi: an option given as null', () => {
  it.each([...ADMIN_API_OPTION_KEYS])('`%s: null` is refused, naming the option', (key) => {
    const monitor = createMonitor({ sampleIntervalMs: 0 });
    try {
      const { thrown } = refusal(() => createAdminApi(monitor, { [key]: null } as never));
      expect(thrown).toMatchObject({ code: 'ERR_SYSVITALS_INVALID_OPTION' });
      expect(String((thrown as Error).message)).toContain(`\`${key}\` is null`);
    } finally {
      void monitor.close();
    }
  });
});
