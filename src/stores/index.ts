// The stores: the interface, the in-memory default and Redis.

export { MemoryStore, type MemoryStoreOptions } from './memory.js';
export { type RedisClient, RedisStore, type RedisStoreOptions } from './redis.js';
export type { MetricsStore, StoredAlertRecord, StoreHealth, StoreProbe } from './store.js';
