// The MetricsStore interface: where history points and alert history live (memory by default, Redis).

import type { Alert } from '../alerts/alert.js';
import type { HistoryPoint } from '../history/point.js';
import type { ComponentStatus } from '../types.js';

/** An alert as kept in the history; a shared store adds the writing instance's id. */
export type StoredAlertRecord = Alert & { instance?: string };

/** A store's health, shown in health and in the snapshot: status, last round trip in ms, last error. */
export interface StoreHealth {
  status: ComponentStatus;
  /** Round trip of the last command, ms; null before the first one. */
  response_time_ms: number | null;
  /** Whether the last command succeeded; null when nothing was tried yet. */
  working: boolean | null;
  error?: string;
}

/** A store's health check (`check` resolves when the backend answers within `timeoutMs`). */
export interface StoreProbe {
  /** Resolves when the backend answered; rejects when it did not. */
  check: () => Promise<unknown>;
  /** A check that takes longer (ms) counts as failed. */
  timeoutMs?: number;
}

/** What `MetricsStore.claim` answers. */
export interface InstanceClaim {
  /** Whether this process holds the instance's saved state (the first live writer does). */
  holds: boolean;
  /** The tokens of the other live processes writing under the instanceId. */
  others: string[];
}

/** Where history points, alert history and state are kept (MemoryStore, RedisStore, or your own). */
export interface MetricsStore {
  /** Connects or prepares; never rejects for a backend that is down (the store reports it in health()). */
  init?(): Promise<void>;
  /**
   * Appends one closed bucket of one instance. Never rejects: a store that cannot write keeps the
   * point (bounded) and reports itself unhealthy.
   */
  appendPoint(instance: string, point: HistoryPoint): Promise<void>;
  /**
   * Points with fromMs <= t < toMs, oldest first. With `stepMs`, a store that keeps points pre-merged
   * at that step ("rollups", aligned to the epoch) may return those instead; callers merge per step
   * anyway, so both answers give the same history.
   */
  readPoints(instance: string, fromMs: number, toMs: number, stepMs?: number): Promise<HistoryPoint[]>;
  /** readPoints for every instance that wrote in the range, by instance id. */
  readAllInstances(fromMs: number, toMs: number, stepMs?: number): Promise<Map<string, HistoryPoint[]>>;
  /** Appends to the bounded alert history. Never rejects. */
  appendAlert(record: StoredAlertRecord): Promise<void>;
  /** Newest first, at most `limit`. */
  readAlerts(limit: number): Promise<StoredAlertRecord[]>;
  /** The store's last known state; absent for stores with nothing to report. */
  /**
   * Saves a small named blob for one instance (the anomaly models' state), replacing the previous
   * one; kept for the retention. Optional; best effort (a failure is swallowed: state is a cache).
   */
  saveState?(instance: string, name: string, value: string): Promise<void>;
  /** The blob saveState wrote, or null. Optional. */
  loadState?(instance: string, name: string): Promise<string | null>;
  /** Optional, for a store shared by processes: marks this one a live writer of `instance` at `now` (each flush). */
  claim?(instance: string, now: number): Promise<InstanceClaim>;
  /** The store's current health; a store without it is taken as healthy. */
  health?(): StoreHealth;
  /**
   * A dependency probe (the collector's generic `{ check, timeoutMs }`) for the snapshot's `redis`
   * group: it fails while the backend does not answer, and retries buffered writes when it does.
   */
  probe?(): StoreProbe;
  /**
   * Optional: the monitor's close is starting its last writes; they and close() then share one bound
   * (RedisStore: commandTimeoutMs). Idempotent.
   */
  beginClose?(): void;
  /** Writes what it still can within a bounded time, then releases resources. Idempotent. */
  close(): Promise<void>;
}
