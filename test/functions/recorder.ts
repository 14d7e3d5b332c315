// For the @timed tests, which stand in two files (timing.test.ts: standard decorators, timing.legacy.test.ts:
// experimentalDecorators, as vitest.config.ts compiles them): a recorder that keeps its calls, and the reset.

import { afterEach, vi } from 'vitest';
import { type FunctionRecorder, setDefaultRecorder } from '../../src/functions/timing.js';

export type Call = [name: string, ms: number, failed: boolean];

/** A FunctionRecorder that keeps every call it is given, in order. */
export function recorder(): FunctionRecorder & { calls: Call[] } {
  const calls: Call[] = [];
  return { calls, recordFunction: (name, ms, failed) => void calls.push([name, ms, failed]) };
}

/** Registers an afterEach that takes the default recorder away and gives the real timers back. */
export function resetTimingAfterEach(): void {
  afterEach(() => {
    setDefaultRecorder(null);
    vi.useRealTimers();
  });
}
