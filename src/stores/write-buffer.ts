// The Redis store's write buffer: writes kept in order through outages, bounded (oldest dropped first), written in batches, one round at a time.

/** One buffered write: the commands of one point (with its rollups) or of one alert. */
export interface BufferedWrite<P> {
  kind: 'point' | 'alert';
  run(pipeline: P, now: number): void;
}

/** What the buffer needs from its store. */
export interface WriteBufferOptions<P> {
  /** Points kept while the backend is unreachable. */
  readonly pointLimit: number;
  /** Alert records kept while the backend is unreachable. */
  readonly alertLimit: number;
  /** Writes in one batch at most. */
  readonly maxBatch: number;
  /** Writes one batch; resolves to the round trip in ms when written, or null to stop the round (backend down). */
  write(batch: readonly BufferedWrite<P>[]): Promise<number | null>;
  /** Called after a written batch left the buffer. */
  written(rttMs: number): void;
  /** Called when the buffer is full and drops its oldest write of that kind. */
  full(kind: BufferedWrite<P>['kind']): void;
  /** True once the store is closed: a round in progress stops. */
  closed(): boolean;
}

/** Buffered writes of a store, written oldest first. Every write must be idempotent (a retry after a timeout is safe). */
export class WriteBuffer<P> {
  private queue: BufferedWrite<P>[] = [];
  private queuedPoints = 0;
  private droppedPoints = 0;
  private inFlight: Promise<void> | null = null;
  private next: Promise<void> | null = null;

  constructor(private readonly options: WriteBufferOptions<P>) {}

  /** Writes waiting. */
  get size(): number {
    return this.queue.length;
  }

  /** Points waiting. */
  get points(): number {
    return this.queuedPoints;
  }

  /** Points dropped since the last call (the buffer was full), and resets the count. */
  takeDropped(): number {
    const n = this.droppedPoints;
    this.droppedPoints = 0;
    return n;
  }

  /** Points dropped since the last takeDropped(). */
  get dropped(): number {
    return this.droppedPoints;
  }

  add(op: BufferedWrite<P>): void {
    this.queue.push(op);
    if (op.kind === 'point') this.queuedPoints++;
    const alerts = this.queue.length - this.queuedPoints;
    if (this.queuedPoints <= this.options.pointLimit && alerts <= this.options.alertLimit) return;
    // Over a bound: drop the oldest write of that kind. Told once per outage, counted at the end.
    const kind = this.queuedPoints > this.options.pointLimit ? 'point' : 'alert';
    const i = this.queue.findIndex((o) => o.kind === kind);
    this.queue.splice(i, 1);
    if (kind === 'point') {
      this.queuedPoints--;
      this.droppedPoints++;
    }
    this.options.full(kind);
  }

  /** Starts a write round, or schedules one after the round in flight; resolves when it is done. */
  flush(): Promise<void> {
    if (!this.inFlight) {
      this.inFlight = this.round().finally(() => {
        this.inFlight = null;
      });
      return this.inFlight;
    }
    this.next ??= this.inFlight.then(() => {
      this.next = null;
      return this.flush();
    });
    return this.next;
  }

  /** Forgets every waiting write. */
  clear(): void {
    this.queue = [];
    this.queuedPoints = 0;
  }

  /** Writes the queue, oldest first, in batches, until it is empty or a batch fails. */
  private async round(): Promise<void> {
    while (this.queue.length > 0 && !this.options.closed()) {
      const batch = this.queue.slice(0, this.options.maxBatch);
      const rtt = await this.options.write(batch);
      if (rtt === null) return;
      const done = new Set(batch);
      this.queue = this.queue.filter((op) => !done.has(op));
      this.queuedPoints = this.queue.reduce((n, op) => n + (op.kind === 'point' ? 1 : 0), 0);
      this.options.written(rtt);
    }
  }
}
