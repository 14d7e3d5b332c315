// Public API of the core entry point.

export type { SysvitalsErrorCode } from './errors.js';
export { SysvitalsError } from './errors.js';
export * from './types.js';
