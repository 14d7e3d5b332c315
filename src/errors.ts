// Errors thrown at setup: each carries a stable code and says what to fix.

/** The stable codes of SysvitalsError (`err.code`). */
export type SysvitalsErrorCode =
  | 'ERR_SYSVITALS_INVALID_OPTION'
  | 'ERR_SYSVITALS_UNKNOWN_OPTION'
  | 'ERR_SYSVITALS_INVALID_RULE'
  | 'ERR_SYSVITALS_UNKNOWN_RULE'
  | 'ERR_SYSVITALS_CONFLICTING_OPTIONS'
  | 'ERR_SYSVITALS_STORE'
  | 'ERR_SYSVITALS_CLOSED'
  | 'ERR_SYSVITALS_NOT_FOUND'
  | 'ERR_SYSVITALS_UNAVAILABLE'
  | 'ERR_SYSVITALS_MISSING_PEER'
  | 'ERR_SYSVITALS_INVALID_METRIC'
  | 'ERR_SYSVITALS_DUPLICATE_METRIC'
  | 'ERR_SYSVITALS_UNKNOWN_METRIC';

/** Thrown at setup (invalid options, rules, metric names) and by reads that cannot be answered; `code` says which. */
export class SysvitalsError extends Error {
  readonly code: SysvitalsErrorCode;

  constructor(code: SysvitalsErrorCode, message: string) {
    super(message);
    this.name = 'SysvitalsError';
    this.code = code;
  }
}

export function invalidOption(message: string): SysvitalsError {
  return new SysvitalsError('ERR_SYSVITALS_INVALID_OPTION', message);
}
