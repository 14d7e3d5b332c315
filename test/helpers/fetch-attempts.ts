// The HTTP requests this process's fetch (undici) starts to one origin, counted where they are made: Node's
// 'undici:request:create' diagnostics channel. A timed-out attempt counts even when it was cut before the receiver
// (a server in the same loaded process) saw it, so a test of attempts and retries does not hang on the machine's load.

import { subscribe, unsubscribe } from 'node:diagnostics_channel';

type Created = { request: { origin: string | URL } };

/** Counts fetch's requests to `origin` (e.g. `http://127.0.0.1:4000`) until `stop()`. */
export function countFetchAttempts(origin: string): { readonly count: number; stop(): void } {
  const want = new URL(origin).origin;
  let count = 0;
  const onCreate = (message: unknown): void => {
    if (new URL(String((message as Created).request.origin)).origin === want) count++;
  };
  subscribe('undici:request:create', onCreate);
  return {
    get count() {
      return count;
    },
    stop: () => unsubscribe('undici:request:create', onCreate),
  };
}
