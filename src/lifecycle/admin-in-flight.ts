// The admin API's requests and live streams (`stream/`) in flight, for shutdown's drain: a request gets `drainMs`
// to finish and is cut after it, as an application request is; a stream, which never ends by itself, is ended when
// the servers stop accepting (outside review 32, RT32-2: both outlived the drain and kept the server from closing).

import type { ServerResponse } from 'node:http';

/** The admin responses open now; the lifecycle holds one (Lifecycle.adminInFlight). */
export class AdminInFlight {
  /** Admin and probe responses not yet closed (a stream's too: it is open until its connection lets it go). */
  private readonly open = new Set<ServerResponse>();
  /** The open streams and how each is ended. */
  private readonly streams = new Map<ServerResponse, () => void>();
  private ending = false;

  /** An admin API or probe request began: it is in flight until its response closes. */
  begin(res: ServerResponse): void {
    if (this.open.has(res)) return;
    this.open.add(res);
    res.once('close', () => {
      this.open.delete(res);
      this.streams.delete(res);
    });
  }

  /** `res` is a live stream, ended by `end`; once the drain ended the streams, a new one is ended at once. */
  stream(res: ServerResponse, end: () => void): void {
    if (res.destroyed) return;
    this.begin(res);
    this.streams.set(res, end);
    if (this.ending) end();
  }

  /** Admin requests in flight, streams left out (the drain ends those itself). */
  get requests(): number {
    return this.open.size - this.streams.size;
  }

  /** Responses still open, streams being ended included: the drain waits for these. */
  get size(): number {
    return this.open.size;
  }

  /** The servers stopped accepting: every stream is ended (and each one opened from now on). */
  endStreams(): void {
    this.ending = true;
    for (const end of [...this.streams.values()]) end();
  }

  /** The drain deadline: closes what is still open; returns the requests cut (streams not counted). */
  cut(): number {
    const cut = this.requests;
    for (const res of [...this.open]) res.destroy();
    return cut;
  }
}
