// A probe, plugin or job error that names a connection string with its password (undici's fetch refusing a URL
// with credentials, a driver's DSN) must not put the password into metrics/, health/, alerts/, jobs, a channel's
// body or the log (outside review 16, F5): the password parts are redacted where the error text is captured.

import { describe, expect, it } from 'vitest';
import { redactCredentials } from '../../src/channels/credentials.js';
import { cleanups, serve } from '../channels/admin-server.js';
import { startReceiver } from '../channels/receiver.js';

const PROBE_PASSWORD = 'Pg8dKq2LmZx7Rw4T';
const PLUGIN_PASSWORD = 'Amq9pXr2Lw7vKs';
const DSN_PASSWORD = 'hunter2-db';
const JOB_PASSWORD = 'Rd5sWq8mTz';
const PASSWORDS = [PROBE_PASSWORD, PLUGIN_PASSWORD, DSN_PASSWORD, JOB_PASSWORD];

describe('a probe, plugin or job error naming a password', () => {
  it('shows the password nowhere: API, channel body, log', async () => {
    const rx = await startReceiver();
    cleanups.push(() => rx.close());
    const { monitor, call, bodies, logger } = await serve({
      probes: {
        // A real refusal: Node's fetch names the URL, credentials included, in its TypeError.
        database: { check: () => fetch(`http://svc:${PROBE_PASSWORD}@127.0.0.1:1/health`), timeoutMs: 2000 },
        redis: {
          check: () => {
            throw new Error(`connection refused: host=127.0.0.1 port=1 user=app password='${DSN_PASSWORD}'`);
          },
        },
      },
      collectors: [
        {
          name: 'broker',
          collect: () => {
            throw new Error(`connect ECONNREFUSED amqp://guest:${PLUGIN_PASSWORD}@127.0.0.1:1/`);
          },
        },
      ],
      channels: [{ type: 'webhook', url: `${rx.origin}/hook`, retries: 0 }],
      routing: { groupWaitMs: 0 },
    });
    monitor.recordJob('nightly', 5, true, new Error(`redis://:${JOB_PASSWORD}@cache:6379 refused`));
    await monitor.sample();
    await monitor.sample();
    await monitor.notifications.idle();
    const metrics = (await call('metrics/')).body.data;
    for (const path of ['health/?detailed=true', 'alerts/', 'alerts/?history=true', 'metrics/prometheus'])
      await call(path).catch(() => undefined);
    // The oracle's premise: each error was recorded, the URL and DSN shapes kept.
    expect(metrics.database.error).toBe(
      'Request cannot be constructed from a URL that includes credentials: http://svc:[redacted]@127.0.0.1:1/health',
    );
    expect(metrics.redis.error).toBe(
      "connection refused: host=127.0.0.1 port=1 user=app password='[redacted]'",
    );
    expect(metrics.plugins.broker.error).toBe('connect ECONNREFUSED amqp://guest:[redacted]@127.0.0.1:1/');
    const jobs = await call('jobs/');
    expect(JSON.stringify(jobs.body.data)).toContain('redis://:[redacted]@cache:6379 refused');
    // The database alert reached the receiver with the error in its message.
    const sent = rx.received.map((r) => r.raw).join('\n');
    expect(sent).toContain('svc:[redacted]@127.0.0.1');
    for (const text of [...bodies, sent, ...logger.lines]) {
      for (const pw of PASSWORDS) expect(text, pw).not.toContain(pw);
    }
  });
});

describe('redactCredentials', () => {
  it.each([
    ['http://svc:pw1@h:1/x', 'http://svc:[redacted]@h:1/x'],
    ['postgres://app:p@ss@db:5432/app down', 'postgres://app:[redacted]@db:5432/app down'],
    ['redis://:s3cret@cache:6379', 'redis://:[redacted]@cache:6379'],
    ['mysql://root:r%40ot@db/x', 'mysql://root:[redacted]@db/x'],
    ['host=db password = "a b" dbname=x', 'host=db password = "[redacted]" dbname=x'],
    ['Server=x;User Id=u;Pwd=abc123;Database=y', 'Server=x;User Id=u;Pwd=[redacted];Database=y'],
    [
      'jdbc:mysql://db/x?user=u&password=pw1&ssl=true',
      'jdbc:mysql://db/x?user=u&password=[redacted]&ssl=true',
    ],
    ['PGPASSWORD=xyz psql', 'PGPASSWORD=[redacted] psql'],
    ['{"client_secret":"abc","id":1}', '{"client_secret":"[redacted]","id":1}'],
    // Nothing that is not a password.
    ['connect ECONNREFUSED 127.0.0.1:5432', 'connect ECONNREFUSED 127.0.0.1:5432'],
    ['https://user@host/x?a=b at 12:30:00', 'https://user@host/x?a=b at 12:30:00'],
    ['mail to ops@example.com failed: ratio=2', 'mail to ops@example.com failed: ratio=2'],
  ])('%s', (text, shown) => {
    expect(redactCredentials(text)).toBe(shown);
  });
});
