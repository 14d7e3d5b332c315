// A vitest setup file of the `shared` project (vitest.config.ts): its files run one after another in the same fork
// with their modules kept (isolate: false), so what one leaves on the process reaches the next. This fails a file
// that ends with fake timers on, with more process listeners than it started with (signals, exit, errors,
// warnings) or with process.env changed, naming what it left, and puts it back; the file's own afterAll/afterEach
// hooks have run by then.

import { afterAll, beforeAll, vi } from 'vitest';

const EVENTS = [
  'exit',
  'beforeExit',
  'SIGTERM',
  'SIGINT',
  'SIGHUP',
  'SIGUSR2',
  'uncaughtException',
  'unhandledRejection',
  'warning',
] as const;

let listeners: number[] = [];
let env: Record<string, string | undefined> = {};

beforeAll(() => {
  listeners = EVENTS.map((event) => process.listenerCount(event));
  env = { ...process.env };
});

afterAll(() => {
  const left: string[] = [];
  if (vi.isFakeTimers()) {
    vi.useRealTimers();
    left.push('fake timers on');
  }
  EVENTS.forEach((event, i) => {
    const added = process.listenerCount(event) - (listeners[i] ?? 0);
    if (added > 0) left.push(`${added} process '${event}' listener(s)`);
  });
  const keys = new Set([...Object.keys(env), ...Object.keys(process.env)]);
  const changed = [...keys].filter((key) => env[key] !== process.env[key]);
  if (changed.length > 0) left.push(`process.env ${changed.join(', ')} changed`);
  for (const key of changed) {
    if (env[key] === undefined) delete process.env[key];
    else process.env[key] = env[key];
  }
  if (left.length > 0) {
    throw new Error(
      `this file left ${left.join('; ')} for the next file in its fork (the shared project runs its files ` +
        'one after another in one process: vitest.config.ts, CONTRIBUTING "Test time")',
    );
  }
});
