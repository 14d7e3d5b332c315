// `sysvitals serve`: the dashboard, the admin API and the Prometheus endpoint for this host alone,
// on a plain node:http server, the way node_exporter or Glances run.

import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { hostname } from 'node:os';
import { parseArgs } from 'node:util';
import { invalidOption } from '../errors.js';
import type { AdminApi } from '../http/admin-api-options.js';
import { installContinueHold } from '../http/expect-continue.js';
import { sendError } from '../http/respond.js';
import { consoleLogger, safeLogger } from '../logger.js';
import type { SystemMonitor } from '../monitor.js';
import type { MetricsStore } from '../stores/store.js';
import {
  DEFAULT_STANDALONE_HOST,
  DEFAULT_STANDALONE_PORT,
  SERVE_FLAGS,
  type ServeFlagValues,
  ServeUsageError,
  type StandaloneOptions,
  standaloneOptionsFromFlags,
} from './serve-flags.js';

// The monitor and the API are imported when the server starts, so that the CLI's other commands
// (and `serve --help`) do not load them.
const BASE_PATH = '/api/core/admin/system';

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

/** Starts the standalone server; resolves once it listens. Bad options throw a SysvitalsError. */
export async function startStandalone(options: StandaloneOptions = {}): Promise<Standalone> {
  const port = options.port ?? DEFAULT_STANDALONE_PORT;
  const host = options.host ?? DEFAULT_STANDALONE_HOST;
  if (!Number.isInteger(port) || port < 0 || port > 65_535) {
    throw invalidOption(`\`port\` must be a whole number from 0 to 65535 (got ${String(port)}).`);
  }
  if (typeof host !== 'string' || host === '') throw invalidOption('`host` must be a non-empty string.');
  const logger = safeLogger(options.logger ?? consoleLogger);

  let store: MetricsStore | undefined;
  let instanceId = options.instanceId;
  if (options.redisUrl !== undefined) {
    // Loaded only when asked for: ioredis is an optional peer dependency.
    const { RedisStore } = await import('../stores/redis.js');
    if (instanceId === undefined) {
      // The monitor's own warning would say createMonitor({ instanceId }): the advice here is the CLI's.
      instanceId = `${hostname()}:${process.pid}`;
      logger.warn(
        { instanceId },
        `sysvitals serve: --redis without --instance-id: this run's history is kept under ${JSON.stringify(instanceId)} ` +
          '(host:pid), so the next run starts a new, empty series and per-process keys pile up in Redis; ' +
          'name this host once and for all: --instance-id web-1 (or SYSVITALS_INSTANCE_ID=web-1)',
      );
    }
    store = new RedisStore({ url: options.redisUrl, instanceId });
  }
  const [{ createMonitor }, { createAdminApi }] = await Promise.all([
    import('../monitor.js'),
    import('../http/api.js'),
  ]);
  const monitor = createMonitor({ sampleIntervalMs: options.intervalMs, store, logger, instanceId });
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
  // A token on the command line is in `ps` for every local user for the life of the process (outside review 11, F9).
  if (typeof values.token === 'string') {
    io.stderr.write(
      'sysvitals serve: --token is visible to other users of this machine (ps) while it runs; ' +
        'set SYSVITALS_ADMIN_TOKEN instead to keep it out of the process list\n',
    );
  }
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

Usage: sysvitals serve [--port 9100] [--host 127.0.0.1] [--token T] [--redis URL] [--instance-id ID] [--interval ms]

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
