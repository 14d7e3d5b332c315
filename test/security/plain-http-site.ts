// What the plain-HTTP Chromium tests (plain-http-browser, plain-http-navigation-browser) share: the admin's session
// cookie hook, Chromium's mapping of sv.lan and attacker.example to 127.0.0.1, another site's page server and its
// page of images.

import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** The authorize hook: the admin is who sends the session cookie `sid=admin`. */
export const sessionCookieHook = (req: IncomingMessage): boolean =>
  /(^|;\s*)sid=admin(;|$)/.test(req.headers.cookie ?? '');

/** Chromium's flag mapping sv.lan (the admin API's name, not potentially trustworthy) and attacker.example to 127.0.0.1. */
export const SV_LAN_RESOLVER = '--host-resolver-rules=MAP sv.lan 127.0.0.1, MAP attacker.example 127.0.0.1';

/** Another site's page `html`, served at http://attacker.example:PORT/ (the server pushed onto `servers`); its port. */
export async function anotherSite(servers: Server[], html: string): Promise<number> {
  const server = createServer((_req, res) => {
    res.setHeader('content-type', 'text/html');
    res.end(`<!doctype html><title>another site</title>${html}`);
  });
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return (server.address() as AddressInfo).port;
}

/** Another site's page body: `count` `<img>` of `api?x=i`, `window.done` counting those settled (loaded or failed). */
export function imagesPage(api: string, count: number): string {
  const images = Array.from(
    { length: count },
    (_, i) => `<img src="${api}?x=${i}" onload="settled()" onerror="settled()">`,
  ).join('');
  return `<script>window.done=0;function settled(){window.done++}</script>${images}`;
}
