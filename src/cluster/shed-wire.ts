// Load shedding as reports carry it: the requests refused since the previous report (`h`, a delta like the
// request counters) and whether the worker sheds now (`hr`: its reason, '' once it stopped; sent on change).

/** Where a reporter reads them: a process's lifecycle (threads shed nothing and have none). */
export interface ShedSource {
  /** Requests answered 503 by load shedding since start. */
  readonly shedTotal: number;
  /** Why requests are being shed now; undefined when not shedding. */
  readonly shedReason: string | undefined;
}

/** The longest reason carried (a longer one is cut). */
const MAX_REASON = 200;

/** Turns the count since start into deltas and the state into changes; what was sent is not sent again. */
export class ShedReporter {
  private sent = 0;
  /** The state last sent; undefined: none yet (the next take() says it, a new aggregator knows nothing). */
  private state: string | undefined;

  /** Forgets what was sent: the next take() holds the count since start and the state. */
  reset(): void {
    this.sent = 0;
    this.state = undefined;
  }

  /** The requests shed since the previous take() (`h`) and the state when it changed (`hr`); null when neither. */
  take(s: ShedSource | undefined): { h?: number; hr?: string } | null {
    if (!s) return null;
    const out: { h?: number; hr?: string } = {};
    const h = s.shedTotal - this.sent;
    if (h > 0) {
      out.h = h;
      this.sent = s.shedTotal;
    }
    const state = (s.shedReason ?? '').slice(0, MAX_REASON);
    if (state !== this.state) {
      out.hr = state;
      this.state = state;
    }
    return out.h === undefined && out.hr === undefined ? null : out;
  }
}

/** Reads `h` and `hr` from the wire (absent from older workers); throws on anything malformed (the report is then dropped). */
export function decodeShed(h: unknown, hr: unknown): { shed?: number; shedState?: string } {
  const out: { shed?: number; shedState?: string } = {};
  if (h !== undefined) {
    if (!Number.isSafeInteger(h) || (h as number) < 0) throw new Error('bad shed');
    out.shed = h as number;
  }
  if (hr !== undefined) {
    if (typeof hr !== 'string') throw new Error('bad shed state');
    out.shedState = hr.slice(0, MAX_REASON);
  }
  return out;
}
