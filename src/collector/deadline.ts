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
