// Bounding a promise by a deadline, so one slow metric group or probe cannot hold up collect().

export class TimeoutError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TimeoutError';
  }
}

/**
 * Resolves or rejects with `promise`, or rejects with a TimeoutError after `ms`. The timer stays
 * referenced while it waits (an unref'd one would let a script exit with its collect() unsettled)
 * and is cleared as soon as the race is decided.
 */
export function withDeadline<T>(promise: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new TimeoutError(message)), ms);
  });
  return Promise.race([promise, deadline]).finally(() => clearTimeout(timer));
}

/**
 * One timer for many promises: collect() races every group against the same deadline instead of
 * arming a timer per group (a timer costs ~10 µs; a race against a shared promise ~1 µs).
 */
export class SharedDeadline {
  readonly expired: Promise<never>;
  private readonly timer: NodeJS.Timeout;

  constructor(ms: number, message: string) {
    let fire!: () => void;
    this.expired = new Promise<never>((_, reject) => {
      fire = () => reject(new TimeoutError(message));
    });
    this.expired.catch(() => {}); // nobody may be racing when it fires
    this.timer = setTimeout(fire, ms);
  }

  race<T>(promise: Promise<T>): Promise<T> {
    return Promise.race([promise, this.expired]);
  }

  clear(): void {
    clearTimeout(this.timer);
  }
}
