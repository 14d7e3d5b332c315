// Whether a request Node's server answered was handed to an Express or a Koa application (unseen-requests.ts):
// the marks each framework leaves on every request it handles.

import type { IncomingMessage, ServerResponse } from 'node:http';

/**
 * Whether the request was handed to an Express or a Koa application, read off the marks each leaves on every
 * request it handles, before any middleware runs: Express (4: its `init` layer; 5: `app.handle`) sets the request's
 * prototype to the app's `request`, whose `app` is the app (a function); Koa (2, 3: `handleRequest`) calls
 * on-finished on the response, which keeps its listener on it as `__onFinished` (set to null once it ran). A
 * request another 'request' listener answered (engine.io's attach() takes the server's listeners and answers its
 * long-polls itself; outside review 42, RT42-11) bears neither, nor one Node answered without emitting 'request'
 * (Node 20 lib/_http_server.js parserOnIncoming: 400 to an HTTP/1.1 request without `Host` under
 * `requireHostHeader`, 503 past `maxRequestsPerSocket` after 'dropRequest', 417 to an `Expect:` other than
 * 100-continue): none of those is the app's. An application's own 503 without any header on the last request a
 * connection allows is (outside review 42, RT42-5: told by the response's shape before). Off the hot path.
 */
export function enteredApp(req: IncomingMessage, res: ServerResponse): boolean {
  if (typeof (req as { app?: unknown }).app === 'function') return true;
  return (res as { __onFinished?: unknown }).__onFinished !== undefined;
}
