// A fake live monitor, an admin server on port 0, and an incremental Server-Sent Events reader for the live tests.

import { EventEmitter } from 'node:events';
import { createServer, get, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Alert, AlertEvent } from '../../src/alerts/alert.js';
import type { AdminApiOptions } from '../../src/http/admin-api-options.js';
import { createAdminApi } from '../../src/http/api.js';
import type { AdminRoute, AdminSource } from '../../src/http/route.js';
import { ADMIN_ROUTES } from '../../src/http/routes.js';
import type { HealthStatus, Logger, MetricsSnapshot } from '../../src/types.js';

export const BASE = '/api/core/admin/system';

/** A snapshot tagged with a sequence number (in cpu.current_percent) and padded to about `bytes`. */
export function snapshot(seq: number, bytes = 0): MetricsSnapshot {
  const s = {
    timestamp: new Date(1_700_000_000_000 + seq * 1000).toISOString(),
    cpu: { status: 'healthy', current_percent: seq, model: bytes > 0 ? 'x'.repeat(bytes) : 'cpu' },
  };
  return s as unknown as MetricsSnapshot;
}

/** The sequence number `snapshot()` put in a received snapshot. */
export function seqOf(data: unknown): number {
  return (data as MetricsSnapshot).cpu.current_percent;
}

export function alertEvent(type: AlertEvent['type'], id = 'a1'): AlertEvent {
  const alert: Alert = {
    id,
    rule: 'cpu',
    component: 'cpu',
    severity: 'warning',
    message: 'CPU usage high',
    timestamp: new Date(1_700_000_000_000).toISOString(),
    duration_seconds: 0,
    value: 91,
    threshold: 80,
    state: type === 'cleared' ? 'cleared' : 'active',
    cleared_at: null,
  };
  return { type, alert };
}

export const silent: Logger = { warn() {}, error() {} };

/** The part of SystemMonitor the admin API and the live transports read, driven by hand. */
export class FakeMonitor extends EventEmitter<{
  metrics: [MetricsSnapshot];
  alert: [AlertEvent];
  close: [];
}> {
  latest: MetricsSnapshot = snapshot(0);
  healthScore = 100;
  readonly clock = { t: 1_700_000_000_000, now: () => this.clock.t };
  readonly logger = silent;
  readonly instanceId = 'test';
  getMetrics(): Promise<MetricsSnapshot> {
    return Promise.resolve(this.latest);
  }
  getHealth(): Promise<HealthStatus> {
    return Promise.resolve({
      status: 'green',
      timestamp: this.latest.timestamp,
      health_score: this.healthScore,
      components: {},
      active_alerts: 0,
    });
  }
  getAlerts(): Promise<Alert[]> {
    return Promise.resolve([]);
  }
  getHistory(): Promise<unknown> {
    return Promise.resolve({ points: [] });
  }
  /** Emits a sample as the monitor does after each collection. */
  sample(seq: number, bytes = 0): void {
    this.latest = snapshot(seq, bytes);
    this.emit('metrics', this.latest);
  }
}

export interface Served {
  server: Server;
  url: string;
  close(): Promise<void>;
}

/** An HTTP server on an ephemeral loopback port answering the admin API (no rate limit), `app` elsewhere. */
export async function serveAdmin(
  source: AdminSource,
  options: AdminApiOptions = {},
  routes: readonly AdminRoute[] = ADMIN_ROUTES,
): Promise<Served> {
  const api = createAdminApi(source, { rateLimit: false, ...options }, { routes });
  const server = createServer((req, res) => {
    void api.handle(req, res).then((handled) => {
      if (!handled) res.end('app');
    });
  });
  return listen(server);
}

export async function listen(server: Server): Promise<Served> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    server,
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Replaces the default stream route (for short heartbeats, small buffers). */
export function routesWith(route: AdminRoute): AdminRoute[] {
  return [...ADMIN_ROUTES.filter((r) => r.path !== route.path), route];
}

export interface SseBlock {
  event?: string;
  data?: string;
  comment?: string;
  retry?: number;
}

/** Reads an event stream block by block; `next()` waits for the next one. */
export class SseReader {
  readonly blocks: SseBlock[] = [];
  ended = false;
  private buffer = '';
  private read = 0;
  private wake: (() => void) | undefined;

  constructor(readonly res: IncomingMessage) {
    res.setEncoding('utf8');
    res.on('data', (chunk: string) => {
      this.buffer += chunk;
      let end = this.buffer.indexOf('\n\n');
      while (end !== -1) {
        this.blocks.push(parseBlock(this.buffer.slice(0, end)));
        this.buffer = this.buffer.slice(end + 2);
        end = this.buffer.indexOf('\n\n');
      }
      this.wake?.();
    });
    const finish = () => {
      this.ended = true;
      this.wake?.();
    };
    res.on('end', finish);
    res.on('close', finish);
    res.on('error', finish);
  }

  async next(): Promise<SseBlock> {
    while (this.read >= this.blocks.length) {
      if (this.ended) throw new Error('stream ended');
      await new Promise<void>((resolve) => {
        this.wake = resolve;
      });
      this.wake = undefined;
    }
    return this.blocks[this.read++] as SseBlock;
  }

  /** The next event (skipping comments, retry hints and, unless asked for, `health`). */
  async nextEvent(withHealth = false): Promise<{ event: string; data: unknown }> {
    for (;;) {
      const block = await this.next();
      if (block.event === undefined || (block.event === 'health' && !withHealth)) continue;
      return { event: block.event, data: JSON.parse(block.data ?? 'null') };
    }
  }

  /** Resolves when the server has ended or dropped the stream. */
  async closed(): Promise<void> {
    while (!this.ended) {
      await new Promise<void>((resolve) => {
        this.wake = resolve;
      });
      this.wake = undefined;
    }
  }
}

function parseBlock(text: string): SseBlock {
  const block: SseBlock = {};
  for (const line of text.split('\n')) {
    if (line.startsWith(':')) block.comment = line.slice(1).trim();
    else if (line.startsWith('event: ')) block.event = line.slice(7);
    else if (line.startsWith('data: '))
      block.data = block.data === undefined ? line.slice(6) : `${block.data}\n${line.slice(6)}`;
    else if (line.startsWith('retry: ')) block.retry = Number(line.slice(7));
  }
  return block;
}

/** GET with node:http (no pooling), resolving at the response headers. */
export function open(url: string, headers: Record<string, string> = {}): Promise<IncomingMessage> {
  return new Promise((resolve, reject) => {
    const req = get(url, { headers, agent: false }, resolve);
    req.on('error', reject);
  });
}

export async function body(res: IncomingMessage): Promise<string> {
  res.setEncoding('utf8');
  let text = '';
  for await (const chunk of res) text += chunk;
  return text;
}
