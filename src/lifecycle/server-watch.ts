// The servers a monitor serves, each with the one 'close' listener the monitor adds to it, removed when the monitor
// closes: a closed monitor leaves nothing on the application's server (outside review 16, F7: each closed monitor left
// its listener, and with it the whole monitor, on the server; a MaxListenersExceededWarning at the eleventh).

import type { Server } from 'node:http';

export class ServerWatch {
  private readonly listeners = new Map<Server, () => void>();
  /** detach() was called (the monitor closed): no server is watched from then on, one learnt later neither. */
  private detached = false;

  /** `onClose` is called when a watched server emits 'close'. */
  constructor(private readonly onClose: () => void) {}

  /** The servers watched, in the order first seen. */
  get servers(): ReadonlySet<Server> {
    return new Set(this.listeners.keys());
  }

  has(server: Server): boolean {
    return this.listeners.has(server);
  }

  /**
   * Watches `server` (once; later calls do nothing, and so do calls after detach(): a closed monitor whose
   * middleware is still mounted, or given a server by serves(), attaches nothing again; outside review 17, F1).
   */
  add(server: Server): void {
    if (this.detached || this.listeners.has(server)) return;
    const listener = () => this.onClose();
    this.listeners.set(server, listener);
    server.once?.('close', listener);
  }

  /** Removes every listener added; the servers stay known (a shutdown's drain still reads them). */
  detach(): void {
    this.detached = true;
    for (const [server, listener] of this.listeners) server.off?.('close', listener);
  }
}
