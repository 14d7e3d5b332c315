// What the three examples share: the store from REDIS_URL, the admin token from the environment,
// a random sleep for /slow, a traffic generator for the demo, and the banner of URLs to open.

import { realpathSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { pathToFileURL } from 'node:url';
import type { MetricsStore } from '../src/stores/store.js';

export const BASE_PATH = '/api/core/admin/system';

/** SYSVITALS_ADMIN_TOKEN, treating an empty value as unset. */
export function envAdminToken(): string | undefined {
  return process.env.SYSVITALS_ADMIN_TOKEN || undefined;
}

/**
 * A RedisStore when a URL is given (REDIS_URL); undefined means the monitor's default MemoryStore. Its
 * `instanceId` is stable (SYSVITALS_INSTANCE_ID, else `example-<name>`): the default, `hostname:pid`, would
 * start a new series at every restart (empty history, charts, capacity and anomaly models).
 */
export async function exampleStore(
  name: string,
  redisUrl = process.env.REDIS_URL,
): Promise<MetricsStore | undefined> {
  if (!redisUrl) return undefined;
  const { RedisStore } = await import('../src/stores/redis.js');
  return new RedisStore({
    url: redisUrl,
    instanceId: process.env.SYSVITALS_INSTANCE_ID || `example-${name}`,
  });
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** 50–300 ms, for the /slow route. */
export function slowMs(): number {
  return 50 + Math.floor(Math.random() * 251);
}

export function listenPort(): number {
  const port = Number(process.env.PORT ?? 3000);
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new Error(`PORT must be 0-65535, got ${process.env.PORT}`);
  return port;
}

/** True when `moduleUrl` is the file node was started with (`tsx examples/express.ts`). */
export function isMain(moduleUrl: string): boolean {
  const entry = process.argv[1];
  if (!entry) return false;
  try {
    return moduleUrl === pathToFileURL(realpathSync(entry)).href;
  } catch {
    return false;
  }
}

export interface Started {
  /** The app's own URL, e.g. http://localhost:3000 */
  url: string;
  /** The admin API's base URL. */
  adminUrl: string;
  /** SYSVITALS_ADMIN_TOKEN: the banner says where it comes from and how long it is, never what it is. */
  adminToken: string | undefined;
  close(): Promise<void>;
}

/** The URLs an example prints for a server listening on `port` (`host` as given to listen()). */
export function urlsFor(port: number, host?: string): { url: string; adminUrl: string } {
  const url = `http://${host && host !== '0.0.0.0' && host !== '::' ? host : 'localhost'}:${port}`;
  return { url, adminUrl: `${url}${BASE_PATH}` };
}

/** Listens on the port and host asked for (PORT or 3000 by default) and returns the URLs. */
export async function listen(server: Server, port = listenPort(), host?: string) {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, resolve);
  });
  return urlsFor((server.address() as AddressInfo).port, host);
}

/** Stops a node:http server with its open connections, then the monitor. */
export async function closeServer(server: Server, monitor: { close(): Promise<void> }): Promise<void> {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  await monitor.close();
}

/** When the example file is the one node was started with: start it, print the URLs, stop on Ctrl-C. */
export async function runIfMain(
  moduleUrl: string,
  framework: string,
  start: () => Promise<Started>,
): Promise<void> {
  if (!isMain(moduleUrl)) return;
  const example = await start();
  printBanner(framework, example);
  const stop = () => void example.close().then(() => process.exit(0));
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

export function printBanner(framework: string, s: Started): void {
  const lines = [
    `sysvitals ${framework} example listening on ${s.url}`,
    '',
    `  app routes:  ${s.url}/  ${s.url}/slow  ${s.url}/fail  ${s.url}/users/42`,
    `  dashboard:   ${s.adminUrl}/dashboard/`,
    `  metrics:     ${s.adminUrl}/metrics/`,
    `  health:      ${s.adminUrl}/health/?detailed=true`,
    `  alerts:      ${s.adminUrl}/alerts/?history=true&limit=20`,
    `  history:     ${s.adminUrl}/history/?period=1h`,
    '',
    s.adminToken
      ? // Never the token itself: this banner ends up in terminals' scrollback, CI logs and log collectors.
        `  admin token: from SYSVITALS_ADMIN_TOKEN (${s.adminToken.length} characters, not printed)\n` +
        `  try:         curl -H "Authorization: Bearer $SYSVITALS_ADMIN_TOKEN" ${s.adminUrl}/health/`
      : '  no SYSVITALS_ADMIN_TOKEN set: the admin API answers loopback clients (this machine) only.',
    '',
  ];
  console.log(lines.join('\n'));
}

/**
 * Requests against the example's own routes so the figures move: mostly fast pages and users, some
 * slow ones, a few failures and 404s, and every other minute a 20-second burst of failures so that
 * the error-rate alert is raised and then clears. Stops on `stop()`; never keeps the process alive.
 */
export function startTraffic(baseUrl: string, perSecond = 20): { stop(): void; sent(): number } {
  let count = 0;
  const started = Date.now();
  const pick = (): string => {
    const inBurst = (Date.now() - started) % 120_000 > 100_000;
    const r = Math.random();
    if (r < (inBurst ? 0.25 : 0.03)) return '/fail';
    if (r < 0.45) return '/';
    if (r < 0.8) return `/users/${1 + Math.floor(Math.random() * 500)}`;
    if (r < 0.97) return '/slow';
    return `/missing/${Math.floor(Math.random() * 1e6)}`;
  };
  const timer = setInterval(() => {
    count++;
    fetch(`${baseUrl}${pick()}`)
      .then((res) => res.arrayBuffer())
      .catch(() => {});
  }, 1000 / perSecond);
  timer.unref();
  return { stop: () => clearInterval(timer), sent: () => count };
}
