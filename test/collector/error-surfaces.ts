// One error text through every surface that shows a captured error: a job that failed with it (jobs/), a database
// probe that throws it (health/), and the alert that probe raises, sent to a real webhook receiver. Shared by the
// credential redaction tests, whose oracle is what each surface shows of the text.

import { exec } from 'node:child_process';
import { expect } from 'vitest';
import { FIRST_WINDOW_MS } from '../../src/collector/cpu.js';
import { MAX_ERROR_LENGTH } from '../../src/profiling/job-error.js';
import { testClock } from '../alerts/snapshot.js';
import { cleanups, serve } from '../channels/admin-server.js';
import { startReceiver } from '../channels/receiver.js';
import { NO_HOST_FILES } from '../helpers/hostless.js';

/** What each surface showed: the job's last_failure.error, the health/ body, what the webhook got, every body read. */
export interface ErrorSurfaces {
  jobError: string;
  health: string;
  sent: string[];
  bodies: string[];
}

/** Runs `text` through jobs/, health/ and a webhook on a fresh monitor (closed by the admin server's cleanups). */
export async function errorSurfaces(text: string): Promise<ErrorSurfaces> {
  const rx = await startReceiver();
  cleanups.push(() => rx.close());
  // The clock reads FIRST_WINDOW_MS behind while the monitor is built (the CPU collector's baseline), its own
  // time after: the first sample finds that window behind it and does not wait it out in real time (250 ms a
  // call; no surface shows a host figure). As the security fixture's clock does (test/security/fixture.ts).
  const clock = testClock();
  clock.advance(-FIRST_WINDOW_MS);
  // No surface shows a host figure: the groups read no /proc or /sys (NO_HOST_FILES), two samples a call; their
  // failures go to serve()'s captured logger, which nothing here reads.
  const { monitor, call, bodies } = await serve({
    ...NO_HOST_FILES,
    clock,
    probes: {
      database: {
        check: () => {
          throw new Error(text);
        },
      },
    },
    channels: [{ type: 'webhook', url: `${rx.origin}/hook`, retries: 0 }],
    routing: { groupWaitMs: 0 },
  });
  clock.advance(FIRST_WINDOW_MS);
  monitor.recordJob('nightly', 5, true, new Error(text));
  await monitor.sample();
  await monitor.sample();
  await monitor.notifications.idle();
  const jobs = await call('jobs/');
  const jobError = jobs.body.data.jobs.find((r: { name: string }) => r.name === 'nightly').last_failure.error;
  await call('health/?detailed=true');
  return { jobError, health: bodies[bodies.length - 1] ?? '', sent: rx.received.map((r) => r.raw), bodies };
}

/** What `command` fails with: Node's `Command failed: <command>\n<stderr>` (the tools need not be installed). */
function failureOf(command: string): Promise<string> {
  return new Promise((resolve) => {
    exec(command, { timeout: 20_000 }, (error) => resolve(error?.message ?? 'no error'));
  });
}

/** A job error as kept: cut to MAX_ERROR_LENGTH with `…`. */
function cut(text: string): string {
  return text.length > MAX_ERROR_LENGTH ? `${text.slice(0, MAX_ERROR_LENGTH - 1)}…` : text;
}

/**
 * A real exec of `command` fails (its message names the command line); every surface shows that message with
 * `shown` as `[redacted]` (the job error cut as kept), and no surface holds `secret`.
 */
export async function expectCommandRedacted(command: string, shown: string, secret: string): Promise<void> {
  const message = await failureOf(command);
  // The oracle's premise: the real message names the command, the password with it.
  expect(message).toContain(command);
  const { jobError, sent, bodies } = await errorSurfaces(message);
  expect(jobError).toBe(cut(message.split(shown).join('[redacted]')));
  for (const body of [...bodies, ...sent]) expect(body).not.toContain(secret);
}
