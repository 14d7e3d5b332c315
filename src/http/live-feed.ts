// The fan-out behind the live stream and the WebSocket: one monitor subscription, one encoding per event, many clients.

import type { AlertEvent, MetricsSnapshot } from '../types.js';

/** What a live transport needs from the monitor (SystemMonitor satisfies it). */
export interface LiveSource {
  on(event: 'metrics' | 'alert', listener: (payload: never) => void): unknown;
  off(event: 'metrics' | 'alert', listener: (payload: never) => void): unknown;
  /** The latest snapshot, so a new client has data at once. */
  getMetrics(): Promise<MetricsSnapshot>;
}

// A monitor that emits 'close' when it closes ends its live clients; one that does not is simply never told.
interface Closable {
  on(event: 'close', listener: () => void): unknown;
  off(event: 'close', listener: () => void): unknown;
}

export type LiveEventName = 'metrics' | 'alert';
export type LivePayload = MetricsSnapshot | AlertEvent;

/** Encodes one event for the wire, given the payload already serialised as JSON. */
export type LiveEncoder = (event: LiveEventName, json: string) => string;

/**
 * Keeps the set of clients of one transport. It listens to the monitor only while it has clients,
 * serialises each event once and hands the same frame to every client, so a hundred open
 * dashboards cost one JSON.stringify per sample.
 */
export class LiveFeed<C> {
  private readonly clients = new Set<C>();
  private subscribed = false;
  private readonly onMetrics = (snapshot: MetricsSnapshot): void => this.publish('metrics', snapshot);
  private readonly onAlert = (event: AlertEvent): void => this.publish('alert', event);
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

  add(client: C): void {
    this.clients.add(client);
    if (!this.subscribed) {
      this.subscribed = true;
      this.source.on('metrics', this.onMetrics as (payload: never) => void);
      this.source.on('alert', this.onAlert as (payload: never) => void);
      (this.source as unknown as Closable).on('close', this.onClose);
    }
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
    for (const client of [...this.clients]) fn(client);
  }

  /** Encodes one event for a single client (the initial snapshot). */
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
    this.each((client) => this.send(client, frame, event));
  }

  private unsubscribe(): void {
    if (!this.subscribed) return;
    this.subscribed = false;
    this.source.off('metrics', this.onMetrics as (payload: never) => void);
    this.source.off('alert', this.onAlert as (payload: never) => void);
    (this.source as unknown as Closable).off('close', this.onClose);
  }
}
