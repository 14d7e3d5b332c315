// Outside review 36, RT36-2: "a callback that throws is logged, never propagated" held for throws, not for async
// callbacks that reject: an async alert or metrics listener, a collect() gauge, a probe's poolSize() and a plugin's
// status() each left an unhandled rejection, and Node 20 ended the host (exit 1) at the next sample. Each runs in a
// child process (test/reliability/fixtures/async-callbacks.ts), as an unhandled rejection ends a whole process; the
// oracle is the process itself: it lives through its samples and exits 0, and what it logged and read says what the
// monitor made of the rejection.

import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { bundled } from '../helpers/bundled.js';

interface Run {
  code: number | null;
  stderr: string;
  out: {
    survived: boolean;
    samples: number;
    alerts: number;
    logged: string[];
    collect: string | null;
    pool: unknown;
    plugin: { status?: string; error?: string } | null;
  } | null;
}

function run(kind: string): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [bundled('async-callbacks')], {
      env: { ...process.env, CASE: kind },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => {
      stdout += c.toString();
    });
    child.stderr.on('data', (c: Buffer) => {
      stderr += c.toString();
    });
    child.on('error', reject);
    child.on('exit', (code) => {
      const line = stdout.split('\n').find((l) => l.startsWith('{'));
      resolve({ code, stderr, out: line === undefined ? null : JSON.parse(line) });
    });
  });
}

describe.concurrent('an async user callback that rejects is contained (the host lives on)', () => {
  it.each([
    ['alert', 'error sysvitals: an alert listener rejected'],
    ['metrics', 'error sysvitals: a metrics listener rejected'],
  ])(
    'an async %s listener: its rejection logged, the other listeners and samples go on',
    async (kind, line) => {
      const r = await run(kind);
      expect({ code: r.code, stderr: r.stderr }).toEqual({ code: 0, stderr: '' });
      expect(r.out?.survived).toBe(true);
      expect(r.out?.logged).toContain(line);
      // The listener beside the failing one still heard the alert (raised at the first sample).
      expect(r.out?.alerts).toBeGreaterThanOrEqual(1);
    },
  );

  it('an async collect() gauge: refused as a reading, named in the gauge error', async () => {
    const r = await run('collect');
    expect({ code: r.code, stderr: r.stderr }).toEqual({ code: 0, stderr: '' });
    expect(r.out?.collect).toMatch(/collect\(\) returned a promise/);
  });

  it("an async probe poolSize(): no pool figures, as a throwing one's", async () => {
    const r = await run('poolSize');
    expect({ code: r.code, stderr: r.stderr }).toEqual({ code: 0, stderr: '' });
    expect(r.out?.pool).toBeNull();
  });

  it("an async plugin status(): the group unknown with the reason, as a throwing rule's", async () => {
    const r = await run('status');
    expect({ code: r.code, stderr: r.stderr }).toEqual({ code: 0, stderr: '' });
    expect(r.out?.plugin).toMatchObject({
      status: 'unknown',
      error: expect.stringMatching(/status\(\) returned a promise/),
    });
  });
});
