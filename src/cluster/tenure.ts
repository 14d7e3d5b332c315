// An aggregator's tenure: the lock it holds the role by and the epoch it writes the ledger at, and the check
// (fencing) made before everything an aggregator alone may do, so that one that stopped answering and was
// replaced (seize.ts) finds out when it runs again, and steps down without writing, evaluating or delivering.

import type { Logger } from '../types.js';
import type { Leadership } from './endpoint.js';
import { RemoteError } from './peer.js';

/** The longest a closing aggregator waits for its socket and lock to be released (its connections are closed first). */
export const RELEASE_WAIT_MS = 2000;

export class Tenure {
  private deposedFlag = false;
  /** Let go (release()): nothing more is the holder's to do, and no successor took anything from it. */
  private releasedFlag = false;
  /** Called once, on the next turn of the event loop, when the role is found lost (the agent steps down). */
  onDeposed: (() => void) | null = null;

  constructor(
    private readonly leadership: Leadership,
    /** One more than the ledger's when the role was taken (ledger.ts refuses a write below the file's). */
    readonly epoch: number,
    private readonly logger: Logger,
    private readonly who: { cluster: string; worker: string },
  ) {}

  get lockIno(): number {
    return this.leadership.lockIno;
  }

  get deposed(): boolean {
    return this.deposedFlag;
  }

  /**
   * Whether the role is still held: the lock path is still this holder's inode (a worker that found it not
   * answering for `aggregatorTimeoutMs` moved a new lock over it). The first false deposes.
   */
  holds(): boolean {
    if (this.deposedFlag || this.releasedFlag) return false;
    if (this.leadership.stillHeld()) return true;
    this.depose();
    return false;
  }

  /** The role is lost (the lock moved, or a ledger write was refused as stale). */
  depose(): void {
    if (this.deposedFlag) return;
    this.deposedFlag = true;
    this.logger.warn(
      this.who,
      'sysvitals: another worker took the cluster aggregator role over while this one did not answer; stepping down',
    );
    setImmediate(() => this.onDeposed?.());
  }

  /**
   * Releases the lock and socket (unlinking nothing a successor moved over them), waiting at most `waitMs`:
   * a connection still open would hold it (logged; the process's exit frees them).
   */
  async release(waitMs = RELEASE_WAIT_MS): Promise<void> {
    this.releasedFlag = true; // holds() is false from here, without a deposition
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<boolean>((resolve) => {
      timer = setTimeout(() => resolve(true), waitMs);
      timer.unref();
    });
    if (await Promise.race([this.leadership.release().then(() => false), late]))
      this.logger.warn({ ...this.who, waitedMs: waitMs }, 'sysvitals: cluster lock not released in time');
    clearTimeout(timer);
  }
}

/** What a deposed aggregator answers: the asker's retry reaches its successor. */
export const notAggregator = () =>
  new RemoteError('unavailable', 'this worker is no longer the cluster aggregator');

/** What refuses a closing worker's last report that is not in the ledger: the worker asks the successor. */
export const notInLedger = () =>
  new RemoteError('unavailable', 'the report is not in the ledger: ask the next aggregator');
