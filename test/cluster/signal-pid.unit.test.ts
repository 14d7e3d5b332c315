// helpers.ts signalPid: the tests' process.kill() for a pid they read. Node's own process.kill() sends to the
// whole process group for 0 and what it reads as 0 (false, '', '0'), and to every process the user may signal for
// -1; the vitest fork and runner share that group with every cluster the tests start. The oracle: whether the kill
// function was called at all, and a real child process's end (its signal as Node reports it).

import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { signalPid } from './helpers.js';

describe('signalPid', () => {
  it.each([0, -1, -12345, false, '', '0', '123', Number.NaN, 1.5, undefined, null])(
    'refuses %j without signalling anything',
    (pid) => {
      const calls: unknown[] = [];
      const kill = (...args: unknown[]): true => {
        calls.push(args);
        return true;
      };
      expect(() => signalPid(pid as number, 'SIGKILL', kill)).toThrow(/is no process id; SIGKILL not sent/);
      expect(calls).toEqual([]);
    },
  );

  it('signals a real process by its pid', async () => {
    const child = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' });
    const ended = new Promise<NodeJS.Signals | null>((resolve) =>
      child.once('exit', (_code, sig) => resolve(sig)),
    );
    await new Promise((resolve) => child.once('spawn', resolve));
    expect(signalPid(child.pid as number, 'SIGKILL')).toBe(true);
    expect(await ended).toBe('SIGKILL');
  });
});
