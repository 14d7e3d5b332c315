// The prototype wrappers that time a request's server side (src/adapters/prototype-timing.ts) never break the
// application's end() or Node's parser, whatever the stamp does: a stamp that throws is swallowed, the original's
// result and arguments pass through unchanged.

import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { timeBodies, timeEnds } from '../../src/adapters/prototype-timing.js';

const throwing = () => {
  throw new Error('a response object this copy cannot read');
};

describe('prototype timing wrappers', () => {
  it("end(): the original's arguments and result pass through, and a throwing stamp is not the application's", () => {
    const calls: unknown[][] = [];
    class Response {
      end(...args: unknown[]) {
        calls.push(args);
        return this;
      }
    }
    const stamped: unknown[] = [];
    timeEnds(Response.prototype, (res) => stamped.push(res));
    const res = new Response();
    const cb = () => {};
    expect(res.end('body', 'utf8', cb)).toBe(res);
    expect(calls).toEqual([['body', 'utf8', cb]]);
    expect(stamped).toEqual([res]);

    class Other {
      end() {
        return 42;
      }
    }
    timeEnds(Other.prototype, throwing);
    expect(new Other().end()).toBe(42);
  });

  it("push(): a throwing stamp at the body's end or at a refused push never reaches Node's parser", async () => {
    class Body extends Readable {}
    timeBodies(Body.prototype, throwing);
    const body = new Body({ read() {}, highWaterMark: 4 });
    // A chunk over highWaterMark: push returns false (the stamp with held = true runs and throws inside).
    expect(body.push(Buffer.from('0123456789'))).toBe(false);
    // The end after a body: the stamp with held = false runs and throws inside.
    expect(body.push(null)).toBe(false);
    const chunks: Buffer[] = [];
    for await (const c of body) chunks.push(c as Buffer);
    expect(Buffer.concat(chunks).toString()).toBe('0123456789');
  });

  it('push(): the stamp is told the body ended (held false) and a refused push (held true), once each', () => {
    class Body extends Readable {}
    const seen: boolean[] = [];
    timeBodies(Body.prototype, (_req, held) => seen.push(held));
    const body = new Body({ read() {}, highWaterMark: 4 });
    body.push(Buffer.from('ab'));
    body.push(Buffer.from('0123456789'));
    body.push(null);
    expect(seen).toEqual([true, false]);
  });
});
