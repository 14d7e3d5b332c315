// `Expect: 100-continue` on admin paths: Node answers `100 Continue` as soon as such a request's head
// arrives, before any handler runs, so a client with no or a wrong token was invited to upload its body.
// On a server sysvitals can see (the standalone server, Fastify's), a 'checkContinue' listener holds the
// 100 back for admin paths: the request is handed on as usual, and `100 Continue` goes out only when the
// admin API, having let the request in, starts reading its body. A refusal is a final answer without it
// (and with `Connection: close`, respond.ts). Other paths get Node's own behaviour: 100, then the request.

import type { IncomingMessage, ServerResponse } from 'node:http';

/** The response of each admin request whose `100 Continue` is held back, until its body is read. */
const held = new WeakMap<IncomingMessage, ServerResponse>();

/** What the listener needs of the server: to hand the request on as Node does without a listener. */
interface RequestEmitter {
  emit(event: 'request', req: IncomingMessage, res: ServerResponse): boolean;
}

/**
 * A 'checkContinue' listener for `server`: for a URL `isAdminUrl` accepts, the request is handed on
 * without `100 Continue` (sent by `sendHeldContinue` when its body is read); others get Node's default.
 */
export function holdContinueForAdmin(
  server: RequestEmitter,
  isAdminUrl: (url: string) => boolean,
): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => {
    if (isAdminUrl(req.url ?? '/')) {
      held.set(req, res);
      // Anything else that starts reading the body (a body parser mounted before sysvitals) gets it too:
      // the client waits for the 100 before it sends the body.
      req.once('resume', () => sendHeldContinue(req));
    } else {
      res.writeContinue();
    }
    server.emit('request', req, res);
  };
}

/** Sends the `100 Continue` held back for `req`, if any, unless its answer has already begun. */
export function sendHeldContinue(req: IncomingMessage): void {
  const res = held.get(req);
  if (res === undefined) return;
  held.delete(req);
  if (!res.headersSent && !res.writableEnded && !res.destroyed) res.writeContinue();
}

/**
 * Installs the listener on a node:http or node:https server unless the application has its own (Node calls
 * every 'checkContinue' listener, and two would each hand the request on). Returns its removal.
 */
export function installContinueHold(
  server: RequestEmitter & {
    listenerCount(event: string): number;
    on(event: 'checkContinue', listener: (req: IncomingMessage, res: ServerResponse) => void): unknown;
    off(event: 'checkContinue', listener: (req: IncomingMessage, res: ServerResponse) => void): unknown;
  },
  isAdminUrl: (url: string) => boolean,
): () => void {
  if (server.listenerCount('checkContinue') > 0) return () => {};
  const listener = holdContinueForAdmin(server, isAdminUrl);
  server.on('checkContinue', listener);
  return () => {
    server.off('checkContinue', listener);
  };
}
