// The `cluster` option: parsed once into a frozen config, with the cluster name derived from PM2 or
// node:cluster when not given.

import { realpathSync } from 'node:fs';
import { basename, dirname, resolve } from 'node:path';
import { nodeCluster, nodeCrypto } from '../builtins.js';
import { invalidOption } from '../errors.js';
import { checkInteger, rejectUnknownOptions } from '../options/option-keys.js';

/** The monitor's `cluster` option: several processes (node:cluster, PM2, …) report as one. */
export interface ClusterOptions {
  /**
   * Workers with the same name on one host (and the same user) form one cluster.
   * @defaultValue `pm2-<app name>-<hash of the PM2 daemon's home>` under PM2, `node-cluster-<primary pid>` under node:cluster,
   * else `<script name>-<parent pid>-<hash of the script's full path>`
   */
  name?: string;
  /** How often each worker reports what it recorded since its last report. @defaultValue 1000 */
  intervalMs?: number;
  /**
   * How long the aggregator waits for the workers' pending intervals before answering, and how long a worker waits
   * for the aggregator's answer on the admin rate limit before its own budget decides. @defaultValue 500
   */
  syncTimeoutMs?: number;
  /** Private directory (mode 0700) for the aggregator's socket and ledger. @defaultValue `<os.tmpdir()>/sysvitals-<uid>` */
  socketDir?: string;
  /**
   * Prometheus: request and `@timed` families per worker, with a `worker` label (`<pid>@<start ms>`),
   * instead of the cluster's sums. One more series set per worker, and per restart: off for cardinality.
   * @defaultValue false
   */
  workerLabel?: boolean;
  /**
   * The byte budget of a worker's reports (frames as written to the socket, per second, averaged): a
   * worker whose reports would exceed it sends one frame covering several intervals (the same exact
   * deltas, summed) instead of one per interval. 0: one frame every interval, whatever its size.
   * @defaultValue 2048
   */
  bytesPerSecond?: number;
  /**
   * The longest a worker holds its deltas back to stay within `bytesPerSecond`: after this it sends
   * regardless. Figures read through the admin API are exact whatever it is (a read asks every worker
   * for its pending deltas); the cluster's own samples, alerts and live stream lag by up to this much.
   * @defaultValue 10000
   */
  maxReportDelayMs?: number;
  /**
   * A hung aggregator (alive but not answering: SIGSTOP, a synchronous loop) is replaced when it has not
   * answered a worker's ping for this long: one worker takes the aggregator's role over, and the old
   * aggregator steps down to an ordinary worker when it runs again. 0: never (a hung aggregator is waited for,
   * e.g. while it is held by a debugger); otherwise an integer from 1000 to 3,600,000.
   * @defaultValue 15000
   */
  aggregatorTimeoutMs?: number;
  /**
   * The bound of a worker's `close()` in the cluster: up to half of it waiting for its requests in flight to
   * end (their counts go in its last report), the rest for the aggregator's acknowledgement of that report
   * (written to the ledger), rejoining a successor if the aggregator closes meanwhile. After it, close()
   * goes on and logs what was not acknowledged. An integer from 100 to 60,000.
   * @defaultValue 5000
   */
  closeTimeoutMs?: number;
}

export interface ClusterConfig {
  readonly name: string;
  readonly intervalMs: number;
  readonly syncTimeoutMs: number;
  readonly socketDir: string | undefined;
  readonly workerLabel: boolean;
  readonly bytesPerSecond: number;
  readonly maxReportDelayMs: number;
  /** 0: a hung aggregator is never replaced. */
  readonly aggregatorTimeoutMs: number;
  readonly closeTimeoutMs: number;
}

/**
 * Defaults of ClusterOptions: report every 1000 ms, wait 500 ms for pending reports, at most 2048 bytes/s of
 * reports per worker, held back at most 10 s; a hung aggregator replaced after 15 s without an answer; a
 * closing worker's last report acknowledged within 5 s.
 */
export const DEFAULT_CLUSTER_OPTIONS = Object.freeze({
  intervalMs: 1000,
  syncTimeoutMs: 500,
  bytesPerSecond: 2048,
  maxReportDelayMs: 10_000,
  aggregatorTimeoutMs: 15_000,
  closeTimeoutMs: 5000,
});

const KEYS = [
  'name',
  'intervalMs',
  'syncTimeoutMs',
  'socketDir',
  'workerLabel',
  'bytesPerSecond',
  'maxReportDelayMs',
  'aggregatorTimeoutMs',
  'closeTimeoutMs',
];

/**
 * The default cluster name: the PM2 app and daemon, the node:cluster primary, or the script and its parent. The
 * last carries a hash of the script's full path: two different apps whose entry files share a name
 * (`server.js`) and a parent (pid 1 in containers, a supervisor) are two clusters, not one.
 */
export function defaultClusterName(
  env: NodeJS.ProcessEnv = process.env,
  script: string | undefined = process.argv[1],
  ppid: number = process.ppid,
  isWorker: boolean = nodeCluster().isWorker,
): string {
  if (env.pm_id !== undefined && typeof env.name === 'string' && env.name !== '') {
    // The PM2 daemon is its home (PM2_HOME, ~/.pm2 by default; the pid file lies in its pids/ when the
    // variable is not exported): two daemons running apps of one name are two clusters with two ledgers,
    // while restarts and reloads by one daemon keep its cluster and its totals.
    const home = env.PM2_HOME || (env.pm_pid_path ? dirname(dirname(env.pm_pid_path)) : '');
    if (home === '') return `pm2-${env.name}`;
    return `pm2-${env.name}-${nodeCrypto().createHash('sha256').update(resolve(home)).digest('hex').slice(0, 8)}`;
  }
  if (isWorker) return `node-cluster-${ppid}`;
  if (script === undefined) return `node-${ppid}`;
  let full = resolve(script);
  try {
    full = realpathSync(full);
  } catch {
    // A script that is not a file (node -e): its resolved name is all there is.
  }
  const hash = nodeCrypto().createHash('sha256').update(full).digest('hex').slice(0, 8);
  return `${basename(script)}-${ppid}-${hash}`;
}

/** Parses `cluster: true | { … }`; null when cluster mode is off. */
export function parseClusterOptions(value: unknown): ClusterConfig | null {
  if (value === undefined || value === false) return null;
  const options = (value === true ? {} : value) as ClusterOptions;
  if (options === null || typeof options !== 'object') {
    throw invalidOption(
      'sysvitals: `cluster` must be true, false or an object { name, intervalMs, syncTimeoutMs, socketDir, workerLabel, bytesPerSecond, maxReportDelayMs, aggregatorTimeoutMs, closeTimeoutMs }.',
    );
  }
  rejectUnknownOptions(options, KEYS, 'sysvitals: cluster');
  if (
    options.name !== undefined &&
    (typeof options.name !== 'string' || !/^[\w.@:-]{1,100}$/.test(options.name))
  ) {
    throw invalidOption('sysvitals: `cluster.name` must be 1-100 letters, digits or . _ - @ :');
  }
  checkInteger(options.intervalMs, 'cluster.intervalMs', 100, 60_000);
  checkInteger(options.syncTimeoutMs, 'cluster.syncTimeoutMs', 10, 10_000);
  if (
    options.socketDir !== undefined &&
    (typeof options.socketDir !== 'string' || options.socketDir === '')
  ) {
    throw invalidOption('sysvitals: `cluster.socketDir` must be a directory path.');
  }
  if (options.workerLabel !== undefined && typeof options.workerLabel !== 'boolean') {
    throw invalidOption('sysvitals: `cluster.workerLabel` must be true or false.');
  }
  if (options.bytesPerSecond !== 0) checkInteger(options.bytesPerSecond, 'cluster.bytesPerSecond', 256, 1e9);
  checkInteger(options.maxReportDelayMs, 'cluster.maxReportDelayMs', 100, 60_000);
  if (options.aggregatorTimeoutMs !== 0)
    checkInteger(options.aggregatorTimeoutMs, 'cluster.aggregatorTimeoutMs', 1000, 3_600_000);
  checkInteger(options.closeTimeoutMs, 'cluster.closeTimeoutMs', 100, 60_000);
  const intervalMs = options.intervalMs ?? DEFAULT_CLUSTER_OPTIONS.intervalMs;
  const maxReportDelayMs =
    options.maxReportDelayMs ?? Math.max(intervalMs, DEFAULT_CLUSTER_OPTIONS.maxReportDelayMs);
  if (maxReportDelayMs < intervalMs) {
    throw invalidOption(
      `sysvitals: \`cluster.maxReportDelayMs\` (${maxReportDelayMs}) must be at least \`cluster.intervalMs\` (${intervalMs}).`,
    );
  }
  return Object.freeze({
    name: options.name ?? defaultClusterName(),
    intervalMs,
    syncTimeoutMs: options.syncTimeoutMs ?? DEFAULT_CLUSTER_OPTIONS.syncTimeoutMs,
    socketDir: options.socketDir,
    workerLabel: options.workerLabel ?? false,
    bytesPerSecond: options.bytesPerSecond ?? DEFAULT_CLUSTER_OPTIONS.bytesPerSecond,
    maxReportDelayMs,
    aggregatorTimeoutMs: options.aggregatorTimeoutMs ?? DEFAULT_CLUSTER_OPTIONS.aggregatorTimeoutMs,
    closeTimeoutMs: options.closeTimeoutMs ?? DEFAULT_CLUSTER_OPTIONS.closeTimeoutMs,
  });
}
