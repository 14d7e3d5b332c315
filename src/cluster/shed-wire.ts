// Load shedding as reports carry it: the requests refused since the previous report (`h`, a delta like the
// request counters) and whether the worker sheds now (`hr`: its reason, '' once it stopped; sent on change). Also the
// requests its Express or Koa middleware never saw (`u`, a delta; 0 in the first report after a reset, so that an
// aggregator knows the worker counts them: a worker without such a middleware, or of an older version, sends none).

/** Where a reporter reads them: a process's lifecycle (threads shed nothing and have none). */
export interface ShedSource {
  /** Requests answered 503 by load shedding since start. */
  readonly shedTotal: number;
  /** Why requests are being shed now; undefined when not shedding. */
  readonly shedReason: string | undefined;
  /** Requests its Express or Koa middleware never saw since start; undefined without one (adapters/unseen-requests.ts). */
  readonly unseenTotal?: number | undefined;
}

/** The wire's fields (ReportWire's). */
export interface ShedWire {
  /** Requests refused by load shedding since the previous report (absent when none, and from older workers). */
  h?: number;
  /** Why the worker sheds now, '' once it stopped: sent when that changed (shed-wire.ts). */
  hr?: string;
  /** Requests its middleware never saw since the previous report (absent: none, or it does not count them). */
  u?: number;
}

/** Read back (Report's). */
export interface ShedFigures {
  /** Requests refused by load shedding (absent: none); whether it sheds now (absent: as before; '': not). */
  shed?: number;
  shedState?: string;
  /** Requests its middleware never saw (absent: none, or it does not count them; 0: it counts them). */
  unseen?: number;
}

/** The longest reason carried (a longer one is cut). */
const MAX_REASON = 200;

/** Turns the count since start into deltas and the state into changes; what was sent is not sent again. */
export class ShedReporter {
  private sent = 0;
  /** The state last sent; undefined: none yet (the next take() says it, a new aggregator knows nothing). */
  private state: string | undefined;
  /** The unseen requests sent; undefined: none yet (the next take() says them, 0 included). */
  private unseenSent: number | undefined;

  /** Forgets what was sent: the next take() holds the count since start and the state. */
  reset(): void {
    this.sent = 0;
    this.state = undefined;
    this.unseenSent = undefined;
  }

  /** The requests shed since the previous take() (`h`) and the state when it changed (`hr`); null when neither. */
  take(s: ShedSource | undefined): ShedWire | null {
    if (!s) return null;
    const out: ShedWire = {};
    const unseen = s.unseenTotal;
    if (unseen !== undefined && (this.unseenSent === undefined || unseen > this.unseenSent)) {
      out.u = unseen - (this.unseenSent ?? 0);
      this.unseenSent = unseen;
    }
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
    return out.h === undefined && out.hr === undefined && out.u === undefined ? null : out;
  }
}

/** Reads `h`, `hr` and `u` from the wire (absent from older workers); throws on anything malformed (the report is then dropped). */
export function decodeShed(h: unknown, hr: unknown, u?: unknown): ShedFigures {
  const out: ShedFigures = {};
  if (u !== undefined) {
    if (!Number.isSafeInteger(u) || (u as number) < 0) throw new Error('bad unseen');
    out.unseen = u as number;
  }
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
