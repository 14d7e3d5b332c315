import { createServer } from 'node:http';
import { describe, expect, it, vi } from 'vitest';
import { attachWebSocket } from '../../src/http/websocket.js';
import { FakeMonitor } from './stream-helpers.js';

// As if `ws` were not installed: createRequire's require fails the way Node does for a missing package.
vi.mock('node:module', async (importOriginal) => {
  const original = await importOriginal<typeof import('node:module')>();
  return {
    ...original,
    createRequire: () => () => {
      throw Object.assign(new Error("Cannot find module 'ws'"), { code: 'MODULE_NOT_FOUND' });
    },
  };
});

describe('attachWebSocket without the optional ws peer', () => {
  it('throws a coded error that says what to install, and touches nothing', () => {
    const server = createServer();
    expect(() => attachWebSocket(new FakeMonitor(), server)).toThrow(
      expect.objectContaining({
        code: 'ERR_SYSVITALS_MISSING_PEER',
        message: expect.stringContaining('npm install ws'),
      }),
    );
    expect(server.listenerCount('upgrade')).toBe(0);
  });
});
