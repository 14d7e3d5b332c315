// The process's lifecycle as orchestrators see it: starting, serving, draining; requests in flight;
// load shedding; and the liveness, readiness and startup verdicts the probe routes serve.

import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { consoleLogger, OutageLog, safeLogger } from '../logger.js';
import { InFlightAges, type InFlightEntry } from '../requests/in-flight.js';
import type { Clock, ComponentStatus, Logger } from '../types.js';
import { AdminInFlight } from './admin-in-flight.js';
import { Http2Sessions } from './http2-sessions.js';
import { SharedLivenessCheck } from './liveness-check.js';
import {
  IDLE_LOAD_READER,
  type LoadReader,
  type LoadReading,
  LoadWatch,
  type ProcessLoadReader,
  processLoadReader,
  servedLagSleep,
  shedReason,
} from './load-watch.js';
import type { ProbeRulesConfig, ShedConfig } from './options.js';
import { ServerWatch } from './server-watch.js';

export { shedReason } from './load-watch.js';

/** One check in a probe's verdict (the IETF health+json `checks` entry, flattened). */
export interface ProbeCheck {
  /** `component:measurement`, e.g. `eventloop:delay`. */
  name: string;
  status: 'pass' | 'fail';
  observedValue?: number | string | boolean;
  observedUnit?: string;
  output?: string;
}

/** A probe's verdict: pass or fail, with the checks behind it (served only to admins). */
export interface ProbeVerdict {
  ok: boolean;
  checks: ProbeCheck[];
}

export type LifecyclePhase = 'starting' | 'serving' | 'draining';

export interface LifecycleOptions {
  rules: ProbeRulesConfig;
  shed: ShedConfig | undefined;
  /** The status of a dependency probe in the latest snapshot (no collection happens here). */
  dependencyStatus: (name: string) => ComponentStatus | undefined;
  /** Injected for tests. @defaultValue the real process */
  reader?: LoadReader;
  /** Called when shedding starts (with the reason) and stops (undefined). */
  onShedChange?: (reason: string | undefined) => void;
  /** Where the load watch's failures go, once per outage. @defaultValue consoleLogger */
  logger?: Logger;
  /** The clock the ages of requests in flight are read on (the request window's). @defaultValue Date */
  clock?: Clock;
  /**
   * A monotonic source timing the liveness check's calls and the age of its answer (the monitor's `monotonicClock`;
   * performance.now when no `clock` is injected). @defaultValue `clock`, read as a monotonic view
   */
  durationClock?: Clock;
  /** false when no periodic sample will come (`sampleIntervalMs: 0`): startup and readiness then do not
   * wait for one, or they would fail forever. @defaultValue true */
  waitForSample?: boolean;
}

const SHED_BODY = 'Service Unavailable: the server is overloaded; retry later.\n';

export class Lifecycle {
  /** Application requests admitted and not yet ended. */
  inFlight = 0;
  /**
   * Requests that ended since start: the adapters' admitted ones, and every recordRequest() (admitted by hand or not;
   * a closing cluster worker's last report checks none ended after it).
   */
  endedTotal = 0;
  /** When each request in flight was admitted (the latency window counts the old ones at their age). */
  readonly inFlightAges: InFlightAges;
  /** Requests answered 503 by load shedding since start. */
  shedTotal = 0;
  /** Requests its Express or Koa middleware never saw (adapters/unseen-requests.ts); undefined while none watches. */
  unseenTotal: number | undefined = undefined;
  /** Requests waiting before that middleware at `now` (adapters/unseen-waiting.ts); undefined while none watches. */
  unseenWaiting: ((now: number) => { count: number; oldestMs: number }) | undefined = undefined;
  /** Why requests are being shed now (e.g. `event_loop_delay 230 ms > 100 ms`); undefined when not shedding. */
  shedReason: string | undefined;
  /** The reason of a shedding episode that started since the last sample, so one between two samples still shows (and alerts). */
  private shedSinceSample: string | undefined;
  private draining = false;
  private sampled = false;
  private readyCalled = false;
  private readonly servers = new ServerWatch(() => this.onServerClose?.());
  /** Called when a known server emits 'close' (its connections all ended), before listeners added after it learnt it. */
  onServerClose: (() => void) | null = null;
  /** The HTTP/2 sessions of those servers (sent GOAWAY on shutdown). */
  readonly sessions = new Http2Sessions();
  /** The admin API's requests and streams in flight: shutdown's drain waits for, ends or cuts them (RT32-2). */
  readonly adminInFlight = new AdminInFlight();
  private lastServer: unknown;
  /** The app's liveness check, one call shared by concurrent probes (liveness-check.ts). */
  private readonly liveness: SharedLivenessCheck | undefined;
  /** lastServer is an HTTP/2 server learnt late (Http2Sessions.watchServer): its requests' sessions are added. */
  private lateSessions = false;
  private readonly watch: LoadWatch;
  private lagAsleep = false; // the load watch's lag timer sleeps (no request served): the next admission wakes it
  private readonly reader: LoadReader & Partial<ProcessLoadReader>;
  private readonly retryAfter: string;

  constructor(private readonly options: LifecycleOptions) {
    this.sampled = options.waitForSample === false;
    const outage = new OutageLog(safeLogger(options.logger ?? consoleLogger));
    this.inFlightAges = new InFlightAges(options.clock ?? Date);
    const check = options.rules.liveness;
    this.liveness = check
      ? new SharedLivenessCheck(check, options.durationClock ?? options.clock ?? Date)
      : undefined;
    const memoryRead = (err: unknown) =>
      err === undefined ? outage.recovered('memory reading') : outage.failed('memory reading', err);
    const shedOnDelay = options.shed?.maxEventLoopDelayMs !== undefined;
    this.reader =
      options.reader ??
      processLoadReader(
        shedOnDelay ? 20 : 100,
        memoryRead,
        // Memory is read only for a shedding limit on it (nothing else reads the reading's memory).
        options.shed?.maxHeapUsedBytes !== undefined || options.shed?.maxRssBytes !== undefined,
        // The 100 ms lag timer sleeps while no request is served (issue 18); shedding on delay keeps its 20 ms one.
        shedOnDelay
          ? undefined
          : servedLagSleep(this, (yes) => {
              this.lagAsleep = yes;
            }),
      );
    this.watch = new LoadWatch(
      options.shed?.sampleIntervalMs ?? 500,
      this.reader,
      (r) => this.onReading(r),
      undefined,
      outage,
    );
    this.retryAfter = String(options.shed?.retryAfterSeconds ?? 10);
    // Nothing to read: no timer (two wake-ups a second less in a cluster aggregator's process; issue 18).
    if (this.reader !== IDLE_LOAD_READER) this.watch.start();
  }

  get phase(): LifecyclePhase {
    if (this.draining) return 'draining';
    return this.started ? 'serving' : 'starting';
  }

  get started(): boolean {
    return this.sampled && (this.readyCalled || !this.options.rules.waitForReady);
  }

  /** The servers seen serving application requests (drained on shutdown). */
  get knownServers(): ReadonlySet<Server> {
    return this.servers.servers;
  }

  /**
   * Hot path, at the start of an application request: false when the request was shed (a 503 with
   * `Retry-After` is written); otherwise counts it in flight. While draining, responses carry
   * `Connection: close` so keep-alive clients reconnect elsewhere.
   */
  admit(req: IncomingMessage, res: ServerResponse): boolean {
    if (!this.pass(req, req.socket, res)) return false;
    this.inFlightAges.begin(res);
    return true;
  }

  /**
   * admit() with the request's age kept in `entry`, which the caller hands to endedEntry() (no Map: in-flight.ts).
   * `socket` is `req.socket`, when the caller has it already (on Express's per-request hidden classes each read of
   * a property of `req` costs an inline-cache miss: issue 18).
   */
  admitEntry(
    req: IncomingMessage,
    res: ServerResponse,
    entry: InFlightEntry,
    socket: IncomingMessage['socket'] | null | undefined = req.socket,
  ): boolean {
    if (!this.pass(req, socket, res)) return false;
    this.inFlightAges.track(entry);
    return true;
  }

  /** ended() for a request admitted by admitEntry(). */
  endedEntry(entry: InFlightEntry): void {
    if (this.inFlight > 0) this.inFlight--;
    this.endedTotal++;
    this.inFlightAges.untrack(entry);
  }

  /** admit() but its age: false when shed (answered 503), else counted in flight. `socket` is the request's. */
  private pass(
    req: IncomingMessage,
    socket: IncomingMessage['socket'] | null | undefined,
    res: ServerResponse,
  ): boolean {
    // First, so that a shed request's server and session are known too (and a shed answer closes while draining).
    this.learnFrom(req, socket);
    if (this.draining) this.drainConnection(req, res);
    if (this.shedReason !== undefined) {
      this.shedTotal++;
      res.statusCode = 503;
      res.setHeader('Retry-After', this.retryAfter);
      res.setHeader('Content-Type', 'text/plain; charset=utf-8');
      res.end(SHED_BODY);
      return false;
    }
    this.inFlight++;
    if (this.lagAsleep) this.reader.wake?.();
    return true;
  }

  /**
   * While draining: HTTP/1 responses carry `Connection: close`; an HTTP/2 request's session (where that header is
   * forbidden: RFC 9113 §8.2.2, Node drops it with an UnsupportedWarning) is sent GOAWAY, `session.close()`: its
   * streams in progress finish, no new one starts, and the connection closes after the last. The probes' and admin
   * API's responses too (api.ts: outside review 31, RT31-3). */
  drainConnection(req: IncomingMessage, res: ServerResponse): void {
    if (!this.draining) return;
    if (req.httpVersionMajor === 2) this.sessions.closeOf(req);
    else if (!res.headersSent) res.setHeader('Connection', 'close');
  }

  /**
   * A request was recorded (monitor.recordRequest()): the request admit() was given `res` for ends, or without `res`
   * the oldest one admit() admitted still in flight. A response admit() was not given, or none left in flight, ends
   * nothing: the adapters' requests (admitEntry()) end only by endedEntry(): work timed by hand never ends nor hides
   * them (outside review 3, finding 4).
   */
  ended(res?: object): void {
    this.endedTotal++;
    if (this.inFlightAges.release(res) && this.inFlight > 0) this.inFlight--;
  }

  /**
   * Adds a server to drain on shutdown (the adapters learn them from requests; the Fastify plugin knows its own at
   * registration, before it listens, so that every HTTP/2 session of it is seen, one that carried no request too).
   */
  addServer(server: Server): void {
    this.servers.add(server);
    this.sessions.watchServer(server, false);
  }

  /**
   * Where a request came from, an application request's (admitted) or an admin API request's or probe's (never
   * admitted): its server is drained on shutdown, and its HTTP/2 session sent GOAWAY with the others (issue 13: a
   * session that carried only admin traffic was not known, and was left open). `socket` is `req.socket`.
   */
  learnFrom(req: IncomingMessage, socket: IncomingMessage['socket'] | null | undefined = req.socket): void {
    const server = (socket as { server?: unknown } | null | undefined)?.server;
    if (server !== this.lastServer) this.learnServer(server);
    if (this.lateSessions) this.sessions.addOf(req);
  }

  /**
   * A snapshot was taken: returns the shedding reason to report for the sample interval (shedding now, or an
   * episode that started since the previous sample), or null; only a sample (`close`) ends the interval.
   */
  takeShedding(close = true): string | null {
    const reason = this.shedReason ?? this.shedSinceSample ?? null;
    if (close) this.shedSinceSample = undefined; // a read (close false) leaves the episode to the next sample
    return reason;
  }

  /** The first periodic sample is done: startup (and readiness) may pass. An on-demand read does not count. */
  markSampled(): void {
    this.sampled = true;
  }

  markReady(): void {
    this.readyCalled = true;
  }

  beginDrain(): void {
    this.draining = true;
  }

  /** The latest load reading (for details and the snapshot). */
  get load(): LoadReading {
    return this.watch.latest;
  }

  /** Takes a reading now (tests; the timer does it every interval). */
  readLoad(): LoadReading {
    return this.watch.tick();
  }

  /** How long a closed request's client is known to have waited (loop-stamps.ts); the measured wait without stamps. */
  closeWait(start: number, measuredMs: number): number {
    return this.reader.waited?.(start, measuredMs) ?? measuredMs;
  }

  /** Liveness: fails only when the process cannot serve (a blocked loop, or the user's check). Never on a dependency. */
  async live(): Promise<ProbeVerdict> {
    const checks: ProbeCheck[] = [];
    const delay = this.watch.latest.eventLoopDelayMs;
    const limit = this.options.rules.maxEventLoopBlockMs;
    checks.push({
      name: 'eventloop:delay',
      status: delay > limit ? 'fail' : 'pass',
      observedValue: Math.round(delay * 100) / 100,
      observedUnit: 'ms',
      ...(delay > limit ? { output: `event loop blocked ${Math.round(delay)} ms (limit ${limit} ms)` } : {}),
    });
    if (this.liveness !== undefined) {
      const { ok, output } = await this.liveness.read();
      checks.push({ name: 'liveness:check', status: ok ? 'pass' : 'fail', ...(output ? { output } : {}) });
    }
    return { ok: checks.every((c) => c.status === 'pass'), checks };
  }

  /** Readiness: fails while starting, while draining, while shedding, or while a required dependency is critical. */
  ready(): ProbeVerdict {
    const checks: ProbeCheck[] = [this.startupCheck()];
    checks.push({
      name: 'shutdown:draining',
      status: this.draining ? 'fail' : 'pass',
      observedValue: this.draining,
    });
    if (this.options.shed) {
      checks.push({
        name: 'load:shedding',
        status: this.shedReason ? 'fail' : 'pass',
        observedValue: this.shedReason !== undefined,
        ...(this.shedReason ? { output: this.shedReason } : {}),
      });
    }
    for (const name of this.options.rules.required) {
      const status = this.options.dependencyStatus(name);
      checks.push({
        name: `${name}:status`,
        status: status === 'critical' ? 'fail' : 'pass',
        observedValue: status ?? 'unknown',
      });
    }
    return { ok: checks.every((c) => c.status === 'pass'), checks };
  }

  /** Startup: passes once the first sample is taken and, with `waitForReady`, `monitor.ready()` was called. */
  startup(): ProbeVerdict {
    const check = this.startupCheck();
    return { ok: check.status === 'pass', checks: [check] };
  }

  close(): void {
    this.watch.stop();
    this.reader.close?.();
    this.servers.detach();
    this.sessions.detach();
  }

  private startupCheck(): ProbeCheck {
    const waiting = !this.sampled
      ? 'waiting for the first sample'
      : !this.started
        ? 'waiting for monitor.ready()'
        : undefined;
    return {
      name: 'startup:complete',
      status: waiting ? 'fail' : 'pass',
      observedValue: !waiting,
      ...(waiting ? { output: waiting } : {}),
    };
  }

  private learnServer(server: unknown): void {
    this.lastServer = server;
    this.lateSessions = false;
    if (server && typeof (server as Server).close === 'function') {
      this.servers.add(server as Server);
      this.lateSessions = this.sessions.watchServer(server, true);
    }
  }

  private onReading(r: LoadReading): void {
    const shed = this.options.shed;
    if (!shed) return;
    const was = this.shedReason !== undefined;
    const reason = shedReason(shed, r);
    this.shedReason = reason;
    if (!was && reason !== undefined) this.shedSinceSample ??= reason;
    if (was !== (reason !== undefined)) this.options.onShedChange?.(reason);
  }
}
