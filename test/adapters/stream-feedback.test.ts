// The minute's history compression (a zlib stream object per call) must not deoptimise Node's stream code on
// the request path of a process with a sysvitals adapter (issue 18: under callgrind the bare Koa server ran
// ~200M instructions more over 6,000 requests after one deflateSync + inflateSync). Checked in a plain Node
// process with V8's natives (vitest's module runner is no place for optimisation states).

import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const script = fileURLToPath(new URL('./fixtures/stream-feedback.ts', import.meta.url));

function run(koa: boolean): { before: { on: boolean }; after: { on: boolean } } {
  const out = execFileSync(process.execPath, ['--allow-natives-syntax', '--import', 'tsx', script], {
    encoding: 'utf8',
    timeout: 60_000,
    env: { ...process.env, KOA: koa ? '1' : '0' },
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  return JSON.parse(out.trim().split('\n').at(-1) as string);
}

describe('zlib at the minute flush and the request path', () => {
  it('leaves Readable.prototype.on optimised when a Koa monitor was created first', () => {
    expect(run(true)).toEqual({ before: { on: true }, after: { on: true } });
  });

  it('deoptimises it without a monitor (the control: the fixture sees the deopt it guards against)', () => {
    expect(run(false)).toEqual({ before: { on: true }, after: { on: false } });
  });
});
