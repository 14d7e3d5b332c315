// The server refusing the database number of a RedisStore's URL: ioredis' SELECT on connect failed, and its
// connection stays on database 0 (outside review 46, RT46-3: `/99` on a 16-database server wrote there, healthy).

import { errorMessage } from '../logger.js';
import type { Logger } from '../types.js';

/** An ioredis ReplyError for its own SELECT of the URL's database number (it carries the command it answers). */
export function isSelectRefusal(err: unknown): boolean {
  const command = (err as { command?: { name?: unknown } } | null)?.command;
  return typeof command?.name === 'string' && command.name.toLowerCase() === 'select';
}

/**
 * Whether the current connection's SELECT was refused: nothing is written or read through it then. Each new connection
 * SELECTs again, so 'connect' clears it and a refusal sets it again before 'ready'. One error line per refusal, one
 * line when a later connection is accepted.
 */
export class DatabaseRefusal {
  /** Why, while the current connection is refused; undefined otherwise. */
  reason: string | undefined;
  private logged = false;

  constructor(
    private readonly logger: Logger,
    private readonly component: string,
  ) {}

  /** The client's 'connect' listener. */
  readonly onConnect = (): void => {
    this.reason = undefined;
  };

  /** The reason when `err` is the server refusing the database number (recorded, logged once), else undefined. */
  refused(err: unknown): string | undefined {
    if (!isSelectRefusal(err)) return undefined;
    this.reason = `the server refused the database number of the Redis URL (${errorMessage(err)}); nothing is written to another database`;
    if (!this.logged) {
      this.logged = true;
      this.logger.error(
        { component: this.component, err: this.reason },
        `sysvitals: redis store: ${this.reason}`,
      );
    }
    return this.reason;
  }

  /** A command worked: false while refused (database 0 answering is not the store working); logs an accepted number. */
  accepted(): boolean {
    if (this.reason !== undefined) return false;
    if (this.logged) {
      this.logged = false;
      (this.logger.info ?? this.logger.warn).call(
        this.logger,
        { component: this.component },
        'sysvitals: redis store: the database number of the Redis URL is accepted now',
      );
    }
    return true;
  }
}
