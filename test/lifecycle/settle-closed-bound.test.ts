// close() lets the 'close' events of requests whose connections are already destroyed run before the last bucket
// (RT29-5, cut-requests-closing-point.test.ts); that wait is bounded: a request in flight whose destroyed connection
// never reports its end (here one admitted by hand and never recorded) does not hold close(), also under a test's
// fake setImmediate and clock.

import type { IncomingMessage, ServerResponse } from 'node:http';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { silentLogger } from '../../src/logger.js';
import { createMonitor } from '../../src/monitor.js';

afterEach(() => {
  vi.useRealTimers();
});

/** A request admitted by hand whose connection is destroyed, and which nobody records. */
function admitGone(): ReturnType<typeof createMonitor> {
  const monitor = createMonitor({ logger: silentLogger, sampleIntervalMs: 0 });
  const socket = { destroyed: true };
  const req = { socket, httpVersionMajor: 1, headers: {} } as unknown as IncomingMessage;
  const res = { socket, headersSent: false, setHeader() {} } as unknown as ServerResponse;
  expect(monitor.admitRequest(req, res)).toBe(true);
  return monitor;
}

describe('close() with a destroyed connection whose request never ends', () => {
  it('resolves', async () => {
    const monitor = admitGone();
    await expect(monitor.close()).resolves.toBeUndefined();
  });

  it('resolves with setImmediate and performance faked', async () => {
    const monitor = admitGone();
    vi.useFakeTimers({ toFake: ['setImmediate', 'clearImmediate', 'performance', 'Date'] });
    await expect(monitor.close()).resolves.toBeUndefined();
  });
});
