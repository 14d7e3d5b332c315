// How an aggregator applies the last words of dead workers (last-words.ts) exactly once: a file is applied once its
// process is gone, for what its totals since start hold beyond the worker's entry (the ledger's, a frame's); the file
// is removed only once the ledger (fenced) holds that credit, so that an aggregator dying in between leaves it to
// its successor, whose ledger-based entry makes a second application add nothing. A worker that left last words
// has its cut requests counted from them, never guessed from its last report (lost.ts); a file that cannot be
// applied is named in the cluster's `missing` (`last-words:<file>`) until it is.

import { existsSync } from 'node:fs';
import { basename } from 'node:path';
import { errorMessage } from '../logger.js';
import type { Logger } from '../types.js';
import {
  type LastWords,
  lastWordsPath,
  listLastWords,
  lostOf,
  pruneLastWordsTemps,
  readLastWords,
  removeLastWords,
  withLost,
} from './last-words.js';
import { alive as isAlive } from './leftovers.js';
import type { Report } from './report.js';
import { newEntry, type WorkerEntry, type WorkerTable } from './workers.js';

/** What the applier reads of the aggregator's options. */
interface Options {
  endpoint: { ledgerPath: string };
  logger: Logger;
  now(): number;
}

/** What it reads of the merger. */
interface Credits {
  /** Parts of workers' frames that wait for their minute (one of a dead worker's would count twice). */
  readonly gate?: { readonly holding: boolean } | undefined;
  /** Adds what `full` (totals since start) holds beyond the entry's totals. */
  credit(entry: WorkerEntry, full: Report): void;
}

/** What it asks of the aggregator. */
interface Host {
  /** This aggregator holds the role (a deposed one applies and removes nothing). */
  holds(): boolean;
  /** Writes the ledger now; true when it holds every total (false: the write failed, or was refused). */
  save(): boolean;
}

export class LastWordsApplier {
  /** Workers that left last words: their cut requests are the file's, never their last report's. */
  private readonly spoken = new Set<string>();
  /** Files read at start-up, before the ledger (a predecessor may apply and remove one meanwhile). */
  private readonly ahead = new Map<string, LastWords>();
  /** Files found and not applied (malformed, or the ledger not written), by path: why. */
  private readonly unapplied = new Map<string, string>();

  private readonly ledgerPath: string;

  /** Reads the files at once: an aggregator builds it before it reads the ledger (Aggregator.lead). */
  constructor(
    private readonly options: Options,
    private readonly workers: WorkerTable,
    private readonly merger: Credits,
    private readonly host: Host,
    private readonly alive: (pid: number) => boolean = isAlive,
  ) {
    this.ledgerPath = options.endpoint.ledgerPath;
    this.readAhead();
  }

  /** At start-up (construction), before the ledger is read: every file's content. */
  private readAhead(): void {
    for (const path of listLastWords(this.ledgerPath)) {
      const words = this.read(path);
      if (words) this.ahead.set(path, words);
    }
  }

  /**
   * After `id`'s process is gone (its connection dropped without a goodbye): true when it left last words, which
   * are applied now (they count the requests it cut); false: its last report's requests in flight are the lost.
   */
  spoke(id: string): boolean {
    if (!this.spoken.has(id) && !existsSync(lastWordsPath(this.ledgerPath, id))) return false;
    this.spoken.add(id);
    this.apply();
    return true;
  }

  /** Whether `id` left last words not applied yet (its entry is kept, not folded into the retired one). */
  pending(id: string): boolean {
    return existsSync(lastWordsPath(this.ledgerPath, id));
  }

  /** The files not applied, for the cluster's `missing`. */
  missing(): string[] {
    return [...this.unapplied.keys()].map((p) => `last-words:${basename(p)}`);
  }

  /** Applies the files of processes that are gone; removes each once the ledger holds what it credited. */
  apply(): void {
    if (!this.host.holds()) return;
    pruneLastWordsTemps(this.ledgerPath, this.alive);
    const paths = new Set([...this.ahead.keys(), ...listLastWords(this.ledgerPath)]);
    const done: LastWords[] = [];
    for (const path of paths) {
      const words = this.ahead.get(path) ?? this.read(path);
      if (words === null) {
        this.ahead.delete(path); // applied and removed by another aggregator
        continue;
      }
      if (words === undefined || this.alive(words.pid)) continue; // malformed, or still exiting
      this.spoken.add(words.id);
      // A part of its frames waits for its minute: applied once it is filed (the next tick).
      if (this.merger.gate?.holding === true) continue;
      if (this.credit(words)) done.push(words);
    }
    if (done.length === 0) return;
    const saved = this.host.save() && this.host.holds();
    for (const words of done) {
      if (!saved) {
        this.unapplied.set(words.path, 'ledger not written');
        continue;
      }
      removeLastWords(words.path);
      this.ahead.delete(words.path);
      this.unapplied.delete(words.path);
    }
  }

  /** Credits its entry (created when no aggregator knew it); false when a live connection has its id. */
  private credit(words: LastWords): boolean {
    const workers = this.workers;
    let entry = workers.get(words.id);
    if (entry?.self || (entry !== undefined && entry.peer !== null)) return false;
    if (entry === undefined) {
      entry = newEntry(words.id, words.pid, words.startedAt, { goneAt: this.options.now() });
      workers.set(entry);
    }
    // Its cut requests counted already (an aggregator of an earlier release guessed them): not again.
    const cut = entry.lost > 0 ? 0 : lostOf(words);
    this.merger.credit(entry, cut > 0 ? withLost(words) : words.totals);
    if (cut > 0) entry.lost = cut;
    entry.exited = true;
    entry.inFlight = null;
    return true;
  }

  /** A file's content; null: gone; undefined: malformed (named in `missing`, logged once). */
  private read(path: string): LastWords | null | undefined {
    try {
      return readLastWords(path, this.options.now());
    } catch (err) {
      if (!this.unapplied.has(path))
        this.options.logger.warn(
          { file: path, err: errorMessage(err) },
          'sysvitals: a cluster worker last-words file is unreadable; its figures are missing',
        );
      this.unapplied.set(path, 'unreadable');
      return undefined;
    }
  }
}
