// Silences in cluster mode: alerts are evaluated and delivered once, by the aggregator, so a silence
// created or expired through any worker is applied by the aggregator's router and kept in its ledger; the channels'
// delivery status is that router's too (a worker's own router has no channels in cluster mode).

import type { ChannelStatus } from '../channels/channel-status.js';
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

/** The aggregator's router as the silence questions read it. */
export interface SilenceRouter {
  readonly silences: SilenceBook;
  /** Each channel's delivery status (`GET channels/`). */
  status(): ChannelStatus[];
}

/** Answers one silence question; refused input becomes a RemoteError `invalid_silence` (a 400 on any worker). */
export function answerSilence(
  router: SilenceRouter,
  q: SilenceQuestion,
): Silence[] | Silence | ChannelStatus[] | null {
  const book = router.silences;
  try {
    switch (q.action) {
      case 'channels':
        return router.status();
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
