// What the aggregator drives: the cluster's own monitor, the aggregator's own worker (in process, no
// socket), and the aggregator's options.

import type { Alert, AlertEvent } from '../alerts/alert.js';
import type { PersistedAlert } from '../alerts/engine.js';
import type { RuleLevels } from '../alerts/thresholds.js';
import type { AlertDelivery, PendingNotifications } from '../channels/router.js';
import type { RouteTotals } from '../profiling/series-history.js';
import type { ClusterProcess, Logger, MetricsSnapshot } from '../types.js';
import type { BudgetBook } from './admin-guesses.js';
import type { MonitorLike, Question } from './answers.js';
import type { CustomRegistry } from './custom-merge.js';
import type { ClusterEndpoint } from './endpoint.js';
import type { InFlightTarget } from './in-flight-wire.js';
import type { MinuteHook } from './minute-gate.js';
import type { ReportTarget, ReportWire } from './report.js';
import type { SilenceRouter } from './silences.js';
import type { WindowTarget, WindowWire } from './window-wire.js';

/** The cluster's own SystemMonitor, as the aggregator drives it. */
export type ClusterMonitor = MonitorLike &
  ReportTarget &
  WindowTarget &
  InFlightTarget & {
    decorateSnapshots(fn: (snapshot: MetricsSnapshot, sample: boolean) => MetricsSnapshot): void;
    /** Its history writer: each bucket waits for the workers' figures recorded in it (minute-gate.ts). */
    readonly historyWriter?: { gate: MinuteHook | undefined };
    /** Width of one history bucket (ms). */
    readonly resolutionMs?: number;
    /** 0: no periodic sample, a cluster read collects (Aggregator.ask). */
    readonly sampleIntervalMs?: number;
    on(event: 'metrics' | 'alert', listener: (payload: never) => void): unknown;
    off(event: 'metrics' | 'alert', listener: (payload: never) => void): unknown;
    close(): Promise<void>;
    /** Closes the history bucket in progress into a point and writes it. */
    flush(): Promise<void>;
    /** The cluster's alerts: kept in the ledger, restored by a new aggregator. */
    readonly alertSystem: {
      exportActive(): PersistedAlert[];
      restoreActive(entries: readonly PersistedAlert[]): number;
      /** Clears the restored alerts whose rule this monitor's options removed, renamed or disabled. */
      clearRemovedRules(): number;
      setFence(fence: (() => boolean) | undefined): void;
      /** Holds the rules on windowed figures for `ms` (a takeover whose window lacks a share: window-hold.ts). */
      holdWindowedRules(ms: number): void;
      /** Delivers the webhook's queue (bounded), then stops it: what it cut off stays in unaccepted(). */
      drainAndClose(): Promise<void>;
      /** The alert webhook: what it has not delivered is in the ledger (pending.ts). */
      readonly webhook?: {
        unaccepted(): AlertEvent[];
        restore(events: unknown): void;
        onChange: (() => void) | undefined;
      };
      /** The `event_loop_delay` levels judge the cluster's process status (its worst worker). */
      readonly rules: { readonly event_loop_delay: Readonly<RuleLevels> };
    };
    /** Its router applies the cluster's silences and delivers the cluster's alerts (deliveries in the ledger). */
    readonly notifications: SilenceRouter & {
      exportDeliveries(): AlertDelivery[];
      exportPending(): PendingNotifications;
      onChange(listener: (() => void) | undefined): void;
      restore(alerts: readonly Alert[], deliveries?: readonly AlertDelivery[]): void;
      restorePending(pending: PendingNotifications | undefined): void;
      close(): Promise<void>;
      setFence(fence: (() => boolean) | undefined): void;
    };
    /** The cluster's custom metrics, created from the workers' definitions. */
    readonly custom: CustomRegistry;
    /** The route series, closed each minute over the merged window; totals taken over are no minute's (skipTotals). */
    readonly series: MonitorLike['series'] & {
      skipTotals(key: string, t: RouteTotals): void;
      skipJobTotals(name: string, runs: number, failures: number): void;
    };
  };

/** What the aggregator needs from its own worker (in-process, no socket). */
export interface SelfWorker {
  id: string;
  pid: number;
  startedAt: number;
  /** Its report since the previous one; `full`: its totals since start (the reporter is reset first). */
  take(full?: boolean): { report: ReportWire; cut?: unknown; at?: unknown; ir?: unknown };
  /** Its window as it stands (null: none to give), for a rebuild at takeover. */
  window?(): WindowWire | null;
  process(): ClusterProcess | null;
  /** Answers a question about this worker alone. */
  answerSelf(q: Question): Promise<unknown>;
  /** Runs its gauges' collect() (a cluster read's collection with `sampleIntervalMs: 0`). */
  collectGauges?(): void;
}

export interface AggregatorOptions {
  name: string;
  endpoint: ClusterEndpoint;
  syncTimeoutMs: number;
  /** A dead worker's entry is folded into the retired totals this long after it disconnected. */
  retireAfterMs: number;
  logger: Logger;
  now(): number;
  self: SelfWorker;
  createMonitor(): ClusterMonitor;
  /** This process's admin APIs' cluster budgets, counted while it is the aggregator (admin-guesses.ts). */
  budgets?: BudgetBook;
}
