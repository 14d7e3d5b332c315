// `sysvitals serve`: the dashboard, the admin API and the Prometheus endpoint for this host alone,
// on a plain node:http server, the way node_exporter or Glances run.

import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { parseArgs } from 'node:util';
import { invalidOption } from '../errors.js';
import type { AdminApi } from '../http/admin-api-options.js';
import { installContinueHold } from '../http/expect-continue.js';
import { sendError } from '../http/respond.js';
import { consoleLogger } from '../logger.js';
import type { SystemMonitor } from '../monitor.js';
import type { MetricsStore } from '../stores/store.js';
import type { Logger } from '../types.js';

// The monitor and the API are imported when the server starts, so that the CLI's other commands
// (and `serve --help`) do not load them.
const BASE_PATH = '/api/core/admin/system';

export interface StandaloneOptions {
  /** TCP port; 0 picks a free one (see `url`). @defaultValue 9100 */
  port?: number;
  /** Interface to listen on. @defaultValue '127.0.0.1' */
  host?: string;
  /** Bearer token the admin API requires. Without it only loopback clients are served. */
  token?: string;
  /** History and alert history in Redis (`redis://…`); in memory when absent. */
  redisUrl?: string;
  /** How often host metrics are sampled. @defaultValue 5000 */
  intervalMs?: number;
  /** @defaultValue warnings and errors to stderr */
  logger?: Logger;
}

export interface Standalone {
  readonly server: Server;
  readonly monitor: SystemMonitor;
  readonly api: AdminApi;
  /** `http://host:port` as bound (the real port when 0 was asked for). */
  readonly url: string;
  readonly urls: { dashboard: string; api: string; prometheus: string };
  /** Stops accepting, closes open connections (streams included) and the monitor. Idempotent. */
  close(): Promise<void>;
}

export const DEFAULT_STANDALONE_PORT = 9100;
export const DEFAULT_STANDALONE_HOST = '127.0.0.1';

/** Starts the standalone server; resolves once it listens. Bad options throw a SysvitalsError. */
export async function startStandalone(options: StandaloneOptions = {}): Promise<Standalone> {
  const port = options.port ?? DEFAULT_STANDALONE_PORT;
  const host = options.host ?? DEFAULT_STANDALONE_HOST;
  if (!Number.isInteger(port) || port < 0 || port > 65_535) {
    throw invalidOption(`\`port\` must be a whole number from 0 to 65535 (got ${String(port)}).`);
  }
  if (typeof host !== 'string' || host === '') throw invalidOption('`host` must be a non-empty string.');
  const logger = options.logger ?? consoleLogger;

  let store: MetricsStore | undefined;
  if (options.redisUrl !== undefined) {
    // Loaded only when asked for: ioredis is an optional peer dependency.
    const { RedisStore } = await import('../stores/redis.js');
    store = new RedisStore({ url: options.redisUrl });
  }
  const [{ createMonitor }, { createAdminApi }] = await Promise.all([
    import('../monitor.js'),
    import('../http/api.js'),
  ]);
  const monitor = createMonitor({ sampleIntervalMs: options.intervalMs, store, logger });
  let api: AdminApi;
  try {
    api = createAdminApi(monitor, { adminToken: options.token });
  } catch (err) {
    await monitor.close();
    throw err;
  }
  const base = api.basePath;
  const prometheusPath = `${base}/metrics/prometheus`;

  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const url = req.url ?? '/';
    const q = url.indexOf('?');
    const pathname = q === -1 ? url : url.slice(0, q);
    if (pathname === '/metrics') {
      // node_exporter's path, so a scrape config needs no metrics_path; same auth as the API.
      void api.handle(req, res, { url: prometheusPath + (q === -1 ? '' : url.slice(q)) });
      return;
    }
    if (pathname === '/' && (req.method === 'GET' || req.method === 'HEAD')) {
      res.statusCode = 302;
      res.setHeader('location', `${base}/dashboard/`);
      res.setHeader('cache-control', 'no-store');
      res.end();
      return;
    }
    void api.handle(req, res).then((handled) => {
      if (!handled) {
        sendError(
          res,
          404,
          'not_found',
          `nothing at ${pathname.slice(0, 100)}; the admin API is under ${base}/`,
        );
      }
    });
  });
  // Idle keep-alive sockets must not hold close() up.
  server.keepAliveTimeout = 5_000;
  // Every path here is the admin API's: `100 Continue` only once a request is let in and its body read.
  installContinueHold(server, () => true);

  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => {
        server.off('error', reject);
        resolve();
      });
    });
  } catch (err) {
    await monitor.close();
    throw err;
  }

  const address = server.address() as AddressInfo;
  const shownHost = address.family === 'IPv6' || host.includes(':') ? `[${address.address}]` : host;
  const origin = `http://${shownHost}:${address.port}`;
  let closing: Promise<void> | undefined;
  return {
    server,
    monitor,
    api,
    url: origin,
    urls: {
      dashboard: `${origin}${base}/dashboard/`,
      api: `${origin}${base}/metrics/`,
      prometheus: `${origin}/metrics`,
    },
    close() {
      closing ??= (async () => {
        const closed = new Promise<void>((resolve) => server.close(() => resolve()));
        // Open streams (SSE) and keep-alive sockets would keep server.close() waiting forever.
        server.closeAllConnections();
        await Promise.all([closed, monitor.close()]);
      })();
      return closing;
    },
  };
}

/** The flags of `sysvitals serve`, in the CLI's command-table form (each documented in --help). */
export const SERVE_FLAGS = {
  port: {
    type: 'string',
    short: 'p',
    valueName: 'port',
    description: `TCP port to listen on; 0 picks a free one (default ${DEFAULT_STANDALONE_PORT})`,
  },
  host: {
    type: 'string',
    valueName: 'address',
    description: `Interface to listen on, e.g. 0.0.0.0 for all (default ${DEFAULT_STANDALONE_HOST})`,
  },
  token: {
    type: 'string',
    valueName: 'token',
    description:
      'Bearer token the API, dashboard and Prometheus endpoint require (or set SYSVITALS_ADMIN_TOKEN). ' +
      'Without one, only loopback clients are served',
  },
  redis: {
    type: 'string',
    valueName: 'url',
    description: 'Keep the 7-day history in Redis (redis://host:6379/0); in memory without it',
  },
  interval: {
    type: 'string',
    valueName: 'ms',
    description: 'How often host metrics are sampled, in milliseconds (default 5000)',
  },
} as const;

/** Values as parsed from the command line (node:util parseArgs). */
export type ServeFlagValues = Record<string, string | boolean | (string | boolean)[] | undefined>;

/** A bad flag value: the message names the flag and what it accepts. */
export class ServeUsageError extends Error {}

/** Turns flag values into StandaloneOptions; throws ServeUsageError for a bad value. */
export function standaloneOptionsFromFlags(
  values: ServeFlagValues,
  env: NodeJS.ProcessEnv = process.env,
): StandaloneOptions {
  const text = (name: string): string | undefined => {
    const v = values[name];
    if (v === undefined) return undefined;
    if (typeof v !== 'string' || v === '') throw new ServeUsageError(`--${name} needs a value`);
    return v;
  };
  const int = (name: string, min: number, max: number): number | undefined => {
    const raw = text(name);
    if (raw === undefined) return undefined;
    const n = Number(raw);
    if (!/^\d+$/.test(raw) || !Number.isInteger(n) || n < min || n > max) {
      throw new ServeUsageError(`--${name} must be a whole number from ${min} to ${max} (got '${raw}')`);
    }
    return n;
  };
  const redisUrl = text('redis');
  if (redisUrl !== undefined && !/^rediss?:\/\/\S+$/.test(redisUrl)) {
    throw new ServeUsageError(`--redis must be a redis:// or rediss:// URL (got '${redisUrl}')`);
  }
  const envToken = env.SYSVITALS_ADMIN_TOKEN;
  return {
    port: int('port', 0, 65_535) ?? DEFAULT_STANDALONE_PORT,
    host: text('host') ?? DEFAULT_STANDALONE_HOST,
    token: text('token') ?? (envToken ? envToken : undefined),
    redisUrl,
    intervalMs: int('interval', 100, 3_600_000) ?? 5_000,
  };
}

export interface ServeIo {
  stdout: { write(text: string): unknown };
  stderr: { write(text: string): unknown };
  /** Resolves when the server should stop. @defaultValue the first SIGINT or SIGTERM */
  stopSignal?: Promise<string>;
}

/** Longest wait for a clean stop before giving up with exit code 1. */
const CLOSE_TIMEOUT_MS = 10_000;

/**
 * Runs the standalone server until SIGINT/SIGTERM, then closes it cleanly. Resolves to the exit
 * code: 0 after a clean stop, 1 when it could not start or stop. Flag values are validated first
 * (a ServeUsageError for the caller to report with exit code 2).
 */
export async function serveFromFlags(values: ServeFlagValues, io: ServeIo = process): Promise<number> {
  const options = standaloneOptionsFromFlags(values);
  const stopSignal = io.stopSignal ?? nextStopSignal();
  let app: Standalone;
  try {
    app = await startStandalone(options);
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    const why =
      e.code === 'EADDRINUSE'
        ? `port ${options.port} on ${options.host} is in use; pick another with --port`
        : e.code === 'EACCES'
          ? `not allowed to listen on port ${options.port}; ports below 1024 need privileges`
          : (e.message ?? String(err));
    io.stderr.write(`sysvitals serve: ${why}\n`);
    return 1;
  }
  const auth = options.token
    ? 'bearer token required (Authorization: Bearer <token>)'
    : 'no token: loopback clients only (set --token to serve other hosts)';
  io.stdout.write(
    [
      `sysvitals serving this host on ${app.url}`,
      `  dashboard   ${app.urls.dashboard}`,
      `  API         ${app.urls.api}`,
      `  Prometheus  ${app.urls.prometheus}`,
      `  auth        ${auth}`,
      'Press Ctrl-C to stop.',
      '',
    ].join('\n'),
  );
  if (!options.token && !isLoopbackHost(options.host ?? DEFAULT_STANDALONE_HOST)) {
    io.stderr.write(
      `sysvitals serve: listening on ${options.host} without --token: other hosts will get 403; set --token to serve them\n`,
    );
  }

  const signal = await stopSignal;
  io.stdout.write(`sysvitals serve: ${signal}, stopping\n`);
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => resolve('timeout'), CLOSE_TIMEOUT_MS);
    timer.unref();
  });
  try {
    const result = await Promise.race([app.close().then(() => 'closed' as const), timedOut]);
    if (result === 'timeout') {
      io.stderr.write(`sysvitals serve: could not stop within ${CLOSE_TIMEOUT_MS / 1000}s\n`);
      return 1;
    }
  } catch (err) {
    io.stderr.write(`sysvitals serve: error while stopping: ${(err as Error).message ?? String(err)}\n`);
    return 1;
  } finally {
    clearTimeout(timer);
  }
  io.stdout.write('sysvitals serve: stopped\n');
  return 0;
}

/** The first SIGINT or SIGTERM; a second one falls through to Node's default and ends the process at once. */
function nextStopSignal(): Promise<string> {
  return new Promise((resolve) => {
    const on = (signal: NodeJS.Signals) => {
      process.off('SIGINT', on);
      process.off('SIGTERM', on);
      resolve(signal);
    };
    process.on('SIGINT', on);
    process.on('SIGTERM', on);
  });
}

function isLoopbackHost(host: string): boolean {
  return host === 'localhost' || host === '::1' || host.startsWith('127.');
}

function serveHelp(): string {
  const rows = Object.entries(SERVE_FLAGS).map(([flag, spec]) => {
    const short = 'short' in spec ? `-${spec.short}, ` : '    ';
    return [`${short}--${flag} <${spec.valueName}>`, spec.description];
  });
  rows.push(['-h, --help', 'Show this help']);
  const width = Math.max(...rows.map(([left]) => (left as string).length));
  return `sysvitals serve: dashboard, admin API and Prometheus endpoint for this host

Usage: sysvitals serve [--port 9100] [--host 127.0.0.1] [--token T] [--redis URL] [--interval ms]

Flags:
${rows.map(([left, text]) => `  ${(left as string).padEnd(width)}  ${text}`).join('\n')}

Prometheus scrapes ${BASE_PATH}/metrics/prometheus, or /metrics for short.
Ctrl-C (SIGINT) or SIGTERM stops it cleanly. Exit codes: 0 stopped, 1 failed, 2 bad usage.
`;
}

/**
 * `sysvitals serve` from raw arguments (what follows `serve`): parses, runs until a stop signal,
 * and resolves to the exit code (2 for bad usage, with the reason on stderr).
 */
export async function runServe(argv: readonly string[], io: ServeIo = process): Promise<number> {
  const options: Record<string, { type: 'string' | 'boolean'; short?: string }> = {
    help: { type: 'boolean', short: 'h' },
  };
  for (const [flag, spec] of Object.entries(SERVE_FLAGS)) {
    options[flag] = 'short' in spec ? { type: spec.type, short: spec.short } : { type: spec.type };
  }
  let values: ServeFlagValues;
  try {
    ({ values } = parseArgs({ args: [...argv], options, strict: true, allowPositionals: false }));
  } catch (err) {
    const message = (err as Error).message.split('. ')[0];
    io.stderr.write(`sysvitals serve: ${message}\nRun 'sysvitals serve --help' for usage.\n`);
    return 2;
  }
  if (values.help) {
    io.stdout.write(serveHelp());
    return 0;
  }
  try {
    return await serveFromFlags(values, io);
  } catch (err) {
    if (!(err instanceof ServeUsageError)) throw err;
    io.stderr.write(`sysvitals serve: ${err.message}\nRun 'sysvitals serve --help' for usage.\n`);
    return 2;
  }
}

/** The `serve` entry of the CLI's command table (src/cli/cli.ts), which parses the flags and prints --help. */
export const serveCommand = {
  summary: 'Serve the dashboard, admin API and Prometheus endpoint for this host',
  flags: SERVE_FLAGS,
  async run(values: ServeFlagValues): Promise<number> {
    try {
      return await serveFromFlags(values);
    } catch (err) {
      if (!(err instanceof ServeUsageError)) throw err;
      process.stderr.write(`sysvitals: ${err.message}\nRun 'sysvitals serve --help' for usage.\n`);
      return 2;
    }
  },
};
