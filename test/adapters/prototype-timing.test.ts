// The prototype wrapper that times a request's end (src/adapters/prototype-timing.ts) never breaks the application's
// end(), whatever the stamp does: a stamp that throws is swallowed, the original's result and arguments pass through
// unchanged.

import { describe, expect, it } from 'vitest';
import { timeEnds, timeWrites } from '../../src/adapters/prototype-timing.js';

const throwing = () => {
  throw new Error('a response object this copy cannot read');
};

describe('prototype timing wrapper', () => {
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

  it("write(): the original's arguments and result pass through, the note comes only for false, and a throwing one is swallowed", () => {
    const calls: unknown[][] = [];
    class Response {
      full = false;
      write(...args: unknown[]) {
        calls.push(args);
        return !this.full;
      }
    }
    const blocked: unknown[] = [];
    timeWrites(Response.prototype, (res) => blocked.push(res));
    const res = new Response();
    const cb = () => {};
    expect(res.write('a', 'utf8', cb)).toBe(true);
    expect(blocked).toEqual([]);
    res.full = true;
    expect(res.write('b')).toBe(false);
    expect(calls).toEqual([
      ['a', 'utf8', cb],
      ['b', undefined, undefined],
    ]);
    expect(blocked).toEqual([res]);

    class Other {
      write() {
        return false;
      }
    }
    timeWrites(Other.prototype, throwing);
    expect(new Other().write()).toBe(false);
  });
});
