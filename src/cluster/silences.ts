// Silences in cluster mode: alerts are evaluated and delivered once, by the aggregator, so a silence
// created or expired through any worker is applied by the aggregator's router and kept in its ledger.

import { type Silence, SilenceInputError } from '../channels/silences.js';
import type { SilenceQuestion } from './answers.js';
import { RemoteError } from './peer.js';

/** The silences of the cluster's monitor (its NotificationRouter's store). */
export interface SilenceBook {
  list(): Silence[];
  get(id: string): Silence | undefined;
  create(input: unknown): Silence;
  expire(id: string): Silence | undefined;
  restore(silences: readonly Silence[]): number;
}

/** Answers one silence question; refused input becomes a RemoteError `invalid_silence` (a 400 on any worker). */
export function answerSilence(book: SilenceBook, q: SilenceQuestion): Silence[] | Silence | null {
  try {
    switch (q.action) {
      case 'list':
        return book.list();
      case 'get':
        return book.get(q.id) ?? null;
      case 'expire':
        return book.expire(q.id) ?? null;
      case 'create':
        return book.create(q.input);
    }
  } catch (err) {
    if (err instanceof SilenceInputError) throw new RemoteError('invalid_silence', err.message);
    throw err;
  }
}
