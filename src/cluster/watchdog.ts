// A worker's watch on its aggregator: a ping every fifth of `aggregatorTimeoutMs`; when one has no answer for
// that long, and a second one sent after it none either, the aggregator is hung (alive: its lock still accepts
// connections, so no election starts). If the lock is still the one the worker was welcomed by, the worker
// takes the role over (seize.ts: one claimant wins); if another lock replaced it, the worker leaves for it.

import { lstatSync } from 'node:fs';
import { guarded, type OutageLog } from '../logger.js';
import type { Logger } from '../types.js';
import type { Peer } from './peer.js';

export interface WatchdogDeps {
  readonly timeoutMs: number;
  readonly lockPath: string;
  readonly logger: Logger;
  readonly outage: OutageLog;
  /** Takes the role over from the holder of lock inode `ino`; true when this worker did. */
  seize(ino: number): Promise<boolean>;
  /** The aggregator was replaced (the lock is another inode, or gone): leave it, join or elect again. */
  rejoin(): void;
}

/** The lock path's inode now (null: gone). */
function inode(path: string): number | null {
  try {
    return lstatSync(path).ino;
  } catch {
    return null;
  }
}

const sleep = (ms: number) =>
  new Promise<void>((resolve) => {
    setTimeout(resolve, ms).unref();
  });

export class AggregatorWatch {
  private readonly timer: NodeJS.Timeout;
  private busy = false;
  private stopped = false;

  constructor(
    private readonly peer: Peer,
    /** The lock inode the aggregator said it holds the role by (its welcome). */
    private readonly lockIno: number,
    private readonly deps: WatchdogDeps,
  ) {
    this.timer = setInterval(
      guarded(deps.outage, 'cluster aggregator watch', () => void this.check()),
      Math.max(200, Math.floor(deps.timeoutMs / 5)),
    );
    this.timer.unref();
  }

  /**
   * Watches an aggregator that named the lock it holds (its welcome's `lock`); null on Windows (no lock file),
   * with aggregatorTimeoutMs 0, or for an aggregator that names none.
   */
  static start(
    peer: Peer,
    lock: unknown,
    deps: Omit<WatchdogDeps, 'lockPath'> & { lockPath: string | null },
  ): AggregatorWatch | null {
    const { lockPath } = deps;
    if (deps.timeoutMs === 0 || lockPath === null || typeof lock !== 'number' || lock <= 0) return null;
    return new AggregatorWatch(peer, lock, { ...deps, lockPath });
  }

  stop(): void {
    this.stopped = true;
    clearInterval(this.timer);
  }

  private async check(): Promise<void> {
    if (this.busy || this.stopped) return;
    this.busy = true;
    try {
      if (await this.answers(this.deps.timeoutMs)) return;
      // Confirmed by a second ping: when this worker's own event loop was the one stopped, its timers ran
      // before the answer waiting in its socket was read, and the second ping is answered at once.
      if (await this.answers(Math.max(1000, Math.floor(this.deps.timeoutMs / 5)))) return;
      if (!this.stopped) await this.hung();
    } finally {
      this.busy = false;
    }
  }

  /** Whether the aggregator answers a ping within `ms` (a closed connection counts: the agent handles it). */
  private async answers(ms: number): Promise<boolean> {
    try {
      await this.peer.ask({ t: 'ping' }, ms);
      return true;
    } catch {
      return this.stopped || this.peer.closed;
    }
  }

  private async hung(): Promise<void> {
    const { lockPath, timeoutMs } = this.deps;
    if (inode(lockPath) !== this.lockIno) {
      this.deps.rejoin();
      return;
    }
    this.deps.logger.warn(
      { timeoutMs },
      `sysvitals: the cluster aggregator has not answered for ${timeoutMs} ms; taking its role over`,
    );
    if (await this.deps.seize(this.lockIno)) return;
    // Another worker claimed it: join its successor once the lock moves. Should it not move (the claimer died
    // meanwhile), the next ping round claims again (a claim left behind is removed once 5 s old).
    for (let i = 0; i < Math.ceil(timeoutMs / 100) && !this.stopped; i++) {
      await sleep(100);
      if (inode(lockPath) !== this.lockIno) {
        this.deps.rejoin();
        return;
      }
    }
  }
}

/**
 * Closes a connection not welcomed within max(5 s, aggregatorTimeoutMs): the socket of a hung aggregator,
 * replaced meanwhile, would hold the worker forever. Nothing with aggregatorTimeoutMs 0.
 */
export function welcomeDeadline(timeoutMs: number, unwelcomed: () => boolean, close: () => void): void {
  if (timeoutMs > 0) setTimeout(() => unwelcomed() && close(), Math.max(5000, timeoutMs)).unref();
}
