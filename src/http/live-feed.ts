// The fan-out behind the live stream and the WebSocket: one monitor subscription, one encoding per event, many clients.

import type { AlertEvent } from '../alerts/alert.js';
import type { HealthStatus, MetricsSnapshot } from '../types.js';

/** What a live transport needs from the monitor (SystemMonitor satisfies it). */
export type { LiveSource } from '../monitor/websocket-port.js';

import type { LiveSource } from '../monitor/websocket-port.js';

// A monitor that emits 'close' when it closes ends its live clients; one that does not is simply never told.
interface Closable {
  on(event: 'close', listener: () => void): unknown;
  off(event: 'close', listener: () => void): unknown;
}

export type LiveEventName = 'metrics' | 'alert' | 'health';
export type LivePayload = MetricsSnapshot | AlertEvent | HealthStatus;

/** Encodes one event for the wire, given the payload already serialised as JSON. */
export type LiveEncoder = (event: LiveEventName, json: string) => string;

interface Sent {
  metrics: boolean;
  health: boolean;
}

/**
 * Keeps the set of clients of one transport. It listens to the monitor only while it has clients,
 * serialises each event once and hands the same frame to every client, so a hundred open
 * dashboards cost one JSON.stringify per sample.
 */
export class LiveFeed<C extends object> {
  private readonly clients = new Map<C, Sent>();
  private subscribed = false;
  private healthQueued = false;
  private readonly onMetrics = (snapshot: MetricsSnapshot): void => {
    this.publish('metrics', snapshot);
    this.queueHealth();
  };
  private readonly onAlert = (event: AlertEvent): void => {
    this.publish('alert', event);
    this.queueHealth();
  };
  private readonly onClose = (): void => this.sourceClosed?.();

  constructor(
    private readonly source: LiveSource,
    private readonly encode: LiveEncoder,
    private readonly send: (client: C, frame: string, event: LiveEventName) => void,
    /** Called when the source emits 'close' (the monitor closing), to end every client. */
    private readonly sourceClosed?: () => void,
  ) {}

  get size(): number {
    return this.clients.size;
  }

  /** Adds a client and sends it the latest snapshot and health, unless fresher ones go out first. */
  add(client: C, onError?: (err: unknown) => void): void {
    const sent: Sent = { metrics: false, health: false };
    this.clients.set(client, sent);
    if (!this.subscribed) {
      this.subscribed = true;
      this.source.on('metrics', this.onMetrics as (payload: never) => void);
      this.source.on('alert', this.onAlert as (payload: never) => void);
      (this.source as unknown as Closable).on('close', this.onClose);
    }
    const welcome = (event: 'metrics' | 'health', payload: LivePayload): void => {
      if (this.clients.get(client) !== sent || sent[event]) return;
      sent[event] = true;
      this.send(client, this.frame(event, payload), event);
    };
    this.source.getMetrics().then((s) => welcome('metrics', s), onError);
    this.source.getHealth?.().then((h) => welcome('health', h), onError);
  }

  delete(client: C): void {
    if (!this.clients.delete(client)) return;
    if (this.clients.size === 0) this.unsubscribe();
  }

  has(client: C): boolean {
    return this.clients.has(client);
  }

  each(fn: (client: C) => void): void {
    // A copy, because fn may drop the client it is given.
    for (const client of [...this.clients.keys()]) fn(client);
  }

  frame(event: LiveEventName, payload: LivePayload): string {
    return this.encode(event, JSON.stringify(payload));
  }

  clear(): void {
    this.clients.clear();
    this.unsubscribe();
  }

  private publish(event: LiveEventName, payload: LivePayload): void {
    if (this.clients.size === 0) return;
    let frame: string;
    try {
      frame = this.frame(event, payload);
    } catch {
      return; // A payload that cannot be serialised is skipped, never thrown into the monitor's emit.
    }
    for (const [client, sent] of [...this.clients]) {
      if (event === 'metrics' || event === 'health') sent[event] = true;
      try {
        this.send(client, frame, event);
      } catch {
        // One broken client must not stop the others, nor throw into the monitor's (or alert engine's) emit.
        this.delete(client);
      }
    }
  }

  /**
   * Health derives from the snapshot and the alerts. The monitor emits alerts while it evaluates a sample,
   * before it stores it, so health is read once everything of this cycle has been emitted.
   */
  private queueHealth(): void {
    const getHealth = this.source.getHealth?.bind(this.source);
    if (!getHealth || this.healthQueued) return;
    this.healthQueued = true;
    setImmediate(() => {
      this.healthQueued = false;
      if (this.clients.size === 0) return;
      // Health is best effort here (the next sample brings another); nothing reaches the host.
      try {
        getHealth().then(
          (health) => {
            try {
              this.publish('health', health);
            } catch {
              // A client that cannot take it is dropped by its own write watch.
            }
          },
          () => {},
        );
      } catch {
        // As above.
      }
    });
  }

  private unsubscribe(): void {
    if (!this.subscribed) return;
    this.subscribed = false;
    this.source.off('metrics', this.onMetrics as (payload: never) => void);
    this.source.off('alert', this.onAlert as (payload: never) => void);
    (this.source as unknown as Closable).off('close', this.onClose);
  }
}
